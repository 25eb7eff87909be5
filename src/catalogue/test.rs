//! The typed test vocabulary of a check: probes and the `all`/`any`/`none`/`not` combinators.
//!
//! Every probe is a closed struct that rejects unknown keys, and every comparison is one of
//! a closed set of operators, so a typo in a catalogue is a load error with file, line and
//! column, never a check that silently fails (or worse, passes). These types are both the
//! YAML shape and the validated form: [`Test::validate`] checks what serde cannot (exactly one
//! operator, regexes that compile, modes that parse) and collects every problem.

use serde::{Deserialize, Deserializer, Serialize};

/// A test: a probe of one kind of fact, or a combination of tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Test {
    /// Passes when every sub-test passes.
    All(Vec<Test>),
    /// Passes when at least one sub-test passes.
    Any(Vec<Test>),
    /// Passes when no sub-test passes (every one fails).
    None(Vec<Test>),
    /// Passes when the sub-test fails.
    Not(Box<Test>),
    /// File existence, kind, permissions and ownership.
    File(FileTest),
    /// Lines of a file matching a regular expression.
    Lines(LinesTest),
    /// A key of a key/value configuration file.
    Config(ConfigTest),
    /// A key of `/etc/login.defs`.
    LoginDefs(KeyTest),
    /// An effective sshd setting.
    Sshd(SshdTest),
    /// A kernel parameter, as configured and (on the live host) as running.
    Sysctl(SysctlTest),
    /// Whether a package is installed.
    Package(PackageTest),
    /// Whether a service is enabled (systemd unit or OpenRC runlevel) and, on the live
    /// host, running.
    Service(ServiceTest),
    /// A query over local accounts and groups.
    Account(AccountTest),
    /// Known vulnerabilities of the installed packages, from the feed data.
    Vulnerabilities(VulnerabilitiesTest),
    /// End-of-life state of the operating system or of installed software.
    EndOfLife(EndOfLifeTest),
    /// Newer versions of installed packages waiting in the host's package indexes.
    PendingUpdates(PendingUpdatesTest),
    /// How recently the host refreshed its package indexes.
    PackageMetadata(PackageMetadataTest),
    /// Whether modprobe can load a kernel module.
    KernelModule(KernelModuleTest),
    /// A PAM module in services' stacks, as libpam builds and runs them.
    Pam(PamTest),
    /// A mount point: whether a path is its own file system, or an option of its mount.
    Mount(MountTest),
    /// The sudo policy: a `Defaults` parameter, or whether any rule skips the password.
    Sudo(SudoTest),
    /// A setting of systemd's own daemon configuration (coredump.conf, journald.conf, …).
    SystemdConfig(SystemdConfigTest),
    /// A resource limit pam_limits sets at login.
    Limits(LimitsTest),
    /// Time synchronisation: an enabled NTP daemon with a configured source, or only one
    /// NTP daemon enabled.
    TimeSync(TimeSyncTest),
    /// How old the ClamAV signature databases are.
    MalwareSignatures(MalwareSignaturesTest),
    /// Audit rules the boot loads: a watch, syscalls per architecture, or immutability.
    AuditRule(AuditRuleTest),
    /// An effective auditd.conf setting (auditd's default when unset).
    Auditd(AuditdTest),
    /// What one bounded walk of the host's tree found: world-writable, unowned and set-id
    /// files.
    Filesystem(FilesystemTest),
    /// The host firewall loaded at boot: enabled, inbound default deny, loopback accepted,
    /// or a single manager.
    Firewall(FirewallTest),
    /// Sockets listening on the running host (live only): none on the given ports, or
    /// only the approved ones, outside loopback.
    Listening(ListeningTest),
    /// The mail transfer agent accepts mail only from this host: its configuration, and on
    /// the live host its sockets.
    Mta(MtaTest),
    /// System loggers (rsyslog, syslog-ng, systemd-journal-upload), their log files and
    /// logrotate: forwarding off the host, file modes, remote input, retention.
    Logging(LoggingTest),
    /// TLS certificates servers load and those in the usual directories: remaining
    /// validity, key strength or signature digest.
    Certificate(CertificateTest),
    /// TLS private key files: owner and permissions.
    TlsPrivateKeys(TlsPrivateKeysTest),
    /// OpenSSL's system-wide configuration: the lowest TLS version programs negotiate.
    Openssl(OpensslTest),
    /// RHEL's system-wide crypto policy (crypto-policies).
    CryptoPolicy(CryptoPolicyTest),
    /// Whether the file systems holding the given paths are on dm-crypt volumes.
    DiskEncryption(DiskEncryptionTest),
}

/// Sockets listening on a non-loopback address of the running host. Exactly one of
/// `none_on` and `only`, each a list of port specifications (`tcp/22`, `udp/69`,
/// `tcp/6000-6063`) or a list parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListeningTest {
    /// No socket outside loopback on any of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none_on: Option<Names>,
    /// Every socket outside loopback is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<Names>,
}

/// The mail transfer agent listens only on loopback (`local_only: true`): every installed
/// MTA's configuration binds only loopback addresses, and on the live host no socket on
/// `ports` (port specifications or a list parameter) is bound outside loopback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MtaTest {
    pub local_only: bool,
    pub ports: Names,
}

/// A port specification of a `listening` or `mta` probe: `tcp/22`, `udp/69`,
/// `tcp/6000-6063`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortSpec {
    pub protocol: &'static str,
    pub low: u16,
    pub high: u16,
}

impl PortSpec {
    /// Parse `PROTO/PORT` or `PROTO/LOW-HIGH` (protocol `tcp` or `udp`).
    pub fn parse(s: &str) -> Result<PortSpec, String> {
        let bad =
            || format!("{s:?} is not a port specification such as tcp/22, udp/69 or tcp/6000-6063");
        let (proto, ports) = s.split_once('/').ok_or_else(bad)?;
        let protocol = match proto {
            "tcp" => "tcp",
            "udp" => "udp",
            _ => return Err(bad()),
        };
        let num = |p: &str| -> Result<u16, String> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            p.parse::<u16>().ok().filter(|n| *n > 0).ok_or_else(bad)
        };
        let (low, high) = match ports.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => {
                let n = num(ports)?;
                (n, n)
            }
        };
        if low > high {
            return Err(bad());
        }
        Ok(PortSpec {
            protocol,
            low,
            high,
        })
    }

    /// Parse a list; `Err` names every entry that does not parse.
    pub fn parse_all(list: &[String]) -> Result<Vec<PortSpec>, String> {
        let mut out = Vec::new();
        let mut bad = Vec::new();
        for s in list {
            match PortSpec::parse(s) {
                Ok(p) => out.push(p),
                Err(e) => bad.push(e),
            }
        }
        if bad.is_empty() {
            Ok(out)
        } else {
            Err(bad.join("; "))
        }
    }

    /// Whether a socket of this protocol and port matches.
    pub fn matches(&self, protocol: &str, port: u16) -> bool {
        self.protocol == protocol && (self.low..=self.high).contains(&port)
    }
}

impl std::fmt::Display for PortSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.low == self.high {
            write!(f, "{}/{}", self.protocol, self.low)
        } else {
            write!(f, "{}/{}-{}", self.protocol, self.low, self.high)
        }
    }
}

/// The system loggers and their files. Exactly one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggingTest {
    /// `true`: an enabled logger sends every facility's messages of at least `severity`
    /// to another host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_forwarding: Option<bool>,
    /// With `remote_forwarding`: the least severe level that must be forwarded
    /// (`emerg` … `debug`, or a parameter); default `info`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Word>,
    /// Every file an enabled logger creates has at most this mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_mode_at_most: Option<Mask>,
    /// `none`: no enabled logger receives logs from the network; `allowed`: it may (a
    /// central log host), the inputs are listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_input: Option<Word>,
    /// `true`: the enabled syslog daemon gets the journal's messages (reads the journal, or
    /// journald forwards to its socket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_reaches_syslog: Option<bool>,
    /// Every regular file under /var/log has at most this mode (and no directory there is
    /// world-writable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_files_mode_at_most: Option<Mask>,
    /// With `log_files_mode_at_most`: path globs judged against `except_mode_at_most`
    /// instead (wtmp, btmp, lastlog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except: Option<Names>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except_mode_at_most: Option<Mask>,
    /// logrotate keeps the enabled logger's files at least this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days_at_least: Option<Num>,
}

impl LoggingTest {
    fn query_count(&self) -> usize {
        usize::from(self.remote_forwarding.is_some())
            + usize::from(self.file_mode_at_most.is_some())
            + usize::from(self.remote_input.is_some())
            + usize::from(self.journal_reaches_syslog.is_some())
            + usize::from(self.log_files_mode_at_most.is_some())
            + usize::from(self.retention_days_at_least.is_some())
    }
}

/// Disk encryption (see the `disk_encryption` collector): the file system holding each of
/// `mount_points` is on a dm-crypt volume (live: its device stack; offline: its fstab
/// device is a crypttab mapping, or an LVM volume on crypttab mappings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiskEncryptionTest {
    pub mount_points: Names,
}

/// OpenSSL's system default (see the `crypto_policy` collector): the lowest TLS version a
/// context made with `SSL_CTX_new` negotiates, given `MinProtocol`, `Protocol` and the
/// security level, for every OpenSSL library generation installed, must be at least
/// `min_protocol` (`TLSv1.2`, or a parameter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpensslTest {
    pub min_protocol: Word,
}

/// The TLS versions an `openssl` probe's `min_protocol` may name.
pub const TLS_VERSIONS: [&str; 4] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/// RHEL crypto-policies: the configured and the applied policy must be one of `policies`
/// and use none of `forbidden_modules` (sub-policies such as `SHA1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CryptoPolicyTest {
    pub policies: Names,
    pub forbidden_modules: Names,
}

/// TLS certificates (see the `tls` collector). Exactly one of `min_days_valid`,
/// `min_rsa_bits` with `min_ec_bits`, and `no_weak_signatures: true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateTest {
    /// Every server certificate stays valid at least this many more days (and is valid
    /// now); every chain certificate is valid now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_days_valid: Option<Num>,
    /// Smallest RSA (and DSA) key size in bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rsa_bits: Option<Num>,
    /// Smallest elliptic-curve key size in bits (Ed25519 and Ed448 always suffice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ec_bits: Option<Num>,
    /// `true`: no server or chain certificate is signed with MD2, MD4, MD5 or SHA-1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_weak_signatures: Option<bool>,
}

/// TLS private key files (see the `tls` collector): owned by one of `owners`, no access
/// for others, and group read only when the group is one of `group_readable_by`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsPrivateKeysTest {
    pub owners: Names,
    pub group_readable_by: Names,
}

/// A query over the file system walk. Exactly one query, each `true` (or a list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesystemTest {
    /// No world-writable regular file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_world_writable_files: Option<bool>,
    /// Every world-writable directory has the sticky bit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub world_writable_dirs_sticky: Option<bool>,
    /// No file or directory whose UID has no passwd entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_unowned: Option<bool>,
    /// No file or directory whose GID has no group entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_ungrouped: Option<bool>,
    /// Set-user-ID and set-group-ID regular files only at these paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setid_only: Option<Names>,
}

impl FilesystemTest {
    /// How many queries are set, and whether every boolean one is `true`.
    fn query_count(&self) -> (usize, bool) {
        let flags = [
            self.no_world_writable_files,
            self.world_writable_dirs_sticky,
            self.no_unowned,
            self.no_ungrouped,
        ];
        let set = flags.iter().flatten().count() + usize::from(self.setid_only.is_some());
        (set, flags.iter().flatten().all(|b| *b))
    }
}

/// A list of strings in a probe: written literally or naming a list parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Names {
    Value(Vec<String>),
    Param(ParamRef),
}

impl Names {
    /// The literal list; `Err` names a parameter that was not resolved.
    pub fn value(&self) -> Result<&[String], String> {
        match self {
            Names::Value(v) => Ok(v),
            Names::Param(p) => Err(format!("parameter {:?} has no value", p.param)),
        }
    }

    fn param(&self) -> Option<&str> {
        match self {
            Names::Param(p) => Some(&p.param),
            Names::Value(_) => None,
        }
    }

    fn resolve(&mut self, params: &Params) -> Result<(), String> {
        if let Names::Param(p) = self {
            match params.get(&p.param) {
                Some(ParamValue::List(v)) => *self = Names::Value(v.clone()),
                Some(other) => {
                    return Err(format!(
                        "parameter {:?} is {}, not a list",
                        p.param,
                        other.kind()
                    ))
                }
                None => return Err(format!("parameter {:?} is not declared", p.param)),
            }
        }
        Ok(())
    }
}

/// The host firewall (nftables, netfilter-persistent, ufw, firewalld). Exactly one of
/// `enabled: true`, `inbound_default: deny`, `loopback_accepted: true` and
/// `single_manager: true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallTest {
    /// `true`: a firewall manager starts at boot and loads an input filter chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `deny`: IPv4 and IPv6 packets no rule allows are dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_default: Option<String>,
    /// `true`: every input chain that drops lets loopback traffic in first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loopback_accepted: Option<bool>,
    /// `true`: at most one firewall manager loads rules at boot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_manager: Option<bool>,
}

/// Time synchronisation across the NTP daemons Ward knows (chrony, systemd-timesyncd,
/// ntpd/ntpsec, OpenNTPD). Exactly one of `sources` and `single_daemon`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeSyncTest {
    /// `true`: at least one enabled NTP daemon has a time source in its configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<bool>,
    /// `true`: at most one NTP daemon is enabled (two would fight over the clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_daemon: Option<bool>,
}

/// The age of the ClamAV signature databases: the newest `daily` database (`daily.cld` or
/// `daily.cvd`) must have been built at most `max_age_days` before the day judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MalwareSignaturesTest {
    pub max_age_days: Num,
}

/// Audit rules, as auditctl loads them at boot (augenrules' concatenation of rules.d, or
/// audit.rules). Exactly one of `watch`, `syscalls` and `immutable`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRuleTest {
    /// A path that must be watched: a `-w PATH` rule, or an `always,exit` rule with
    /// `-F path=PATH` (or `dir=`) and `-F perm=`, whose permissions include `perms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<String>,
    /// Letters of `rwxa` the watch must cover (default `wa`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perms: Option<String>,
    /// Syscalls each of which an `always,exit` rule must audit, for every arch in `arch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub syscalls: Option<Vec<String>>,
    /// `b64`, `b32` (default both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<Vec<String>>,
    /// `true`: the load ends with the configuration locked (`-e 2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
}

/// A mount point, as the boot mounts it (fstab, systemd mount units, the init system's own
/// mounts) or, on the live host, as the running mount table has it. Exactly one of
/// `separate` and `option`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MountTest {
    /// The mount point (`/tmp`).
    pub path: String,
    /// `true`: the path must be a mount point of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separate: Option<bool>,
    /// `nodev`, `nosuid` or `noexec`: the option must be in effect. Not applicable when
    /// the path is not separately mounted (its `separate` check fails instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
}

/// The keywords of auditd.conf (audit-userspace 3.0.9) an `auditd` probe can name.
pub const AUDITD_KEYWORDS: [&str; 39] = [
    "local_events",
    "write_logs",
    "log_file",
    "log_format",
    "log_group",
    "flush",
    "freq",
    "num_logs",
    "dispatcher",
    "name_format",
    "name",
    "disp_qos",
    "max_log_file",
    "max_log_file_action",
    "space_left",
    "space_left_action",
    "action_mail_acct",
    "verify_email",
    "admin_space_left",
    "admin_space_left_action",
    "disk_full_action",
    "disk_error_action",
    "priority_boost",
    "tcp_listen_port",
    "tcp_listen_queue",
    "tcp_max_per_addr",
    "use_libwrap",
    "tcp_client_ports",
    "tcp_client_max_idle",
    "transport",
    "enable_krb5",
    "krb5_principal",
    "krb5_key_file",
    "distribute_network",
    "q_depth",
    "overflow_action",
    "max_restarts",
    "plugin_dir",
    "end_of_event_timeout",
];

/// The mount options a `mount` probe can ask for.
pub const MOUNT_OPTIONS: [&str; 3] = ["nodev", "nosuid", "noexec"];

/// Whether modprobe can load a kernel module, judged as kmod would: the first `install`
/// entry matching the name decides what modprobe runs, a `blacklist` only stops loading
/// through aliases, a module built into a kernel cannot be stopped, and on the live host a
/// loaded module is loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelModuleTest {
    /// The module name (`usb-storage` and `usb_storage` are the same module).
    pub name: String,
    /// `false`: the module must not be loadable.
    pub loadable: bool,
}

/// Known vulnerabilities of installed packages. Passes when no advisory in the feed data
/// for the host's release matches an installed version under these filters; `error` when
/// there is no advisory data for the release (no evidence is not a pass).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VulnerabilitiesTest {
    /// Count only vulnerabilities with a CVE in CISA's Known Exploited Vulnerabilities
    /// catalogue.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kev_only: bool,
    /// Count only vulnerabilities the distribution has published a fixed version for.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fixed_only: bool,
    /// Lowest severity counted: `critical`, `high`, `medium` or `low`. A vulnerability
    /// whose severity the advisory does not give always counts (treated as high, as Cyber
    /// Essentials asks when a vendor gives no rating).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Word>,
    /// Count only advisories published at least this many days before the scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_than_days: Option<Num>,
}

/// What an end-of-life probe looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EolSubject {
    /// The operating system release (from os-release).
    OperatingSystem,
    /// Installed software mapped to endoflife.date products (`controls/data/eol-products.yaml`).
    Software,
}

/// End-of-life state. Passes on positive evidence only: the release or product cycle is
/// in the endoflife.date data and its end date has not passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndOfLifeTest {
    pub subject: EolSubject,
}

/// Updates waiting in the host's package indexes (apt lists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingUpdatesTest {
    /// Count only updates a security archive offers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub security_only: bool,
    /// Count only updates available for at least this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_than_days: Option<Num>,
}

/// How recently the package indexes were refreshed (`apt update`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageMetadataTest {
    /// Most days since the newest index the host holds was published.
    pub max_age_days: Num,
}

/// A word in a probe: written literally (`high`) or naming a string parameter
/// (`{ param: min_severity }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Word {
    Value(String),
    Param(ParamRef),
}

impl Word {
    /// The literal word; `Err` names a parameter that was not resolved.
    pub fn value(&self) -> Result<&str, String> {
        match self {
            Word::Value(v) => Ok(v),
            Word::Param(p) => Err(format!("parameter {:?} has no value", p.param)),
        }
    }

    fn param(&self) -> Option<&str> {
        match self {
            Word::Param(p) => Some(&p.param),
            Word::Value(_) => None,
        }
    }

    fn resolve(&mut self, params: &Params) -> Result<(), String> {
        if let Word::Param(p) = self {
            match params.get(&p.param) {
                Some(ParamValue::Text(t)) => *self = Word::Value(t.clone()),
                Some(other) => {
                    return Err(format!(
                        "parameter {:?} is {}, not a string",
                        p.param,
                        other.kind()
                    ))
                }
                None => return Err(format!("parameter {:?} is not declared", p.param)),
            }
        }
        Ok(())
    }
}

/// The severities a `min_severity` may name, highest first.
pub const ADVISORY_SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

/// What a test means when the thing it looks at does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenMissing {
    /// Absence passes (e.g. a forbidden file that is not there).
    Pass,
    /// Absence fails (the default: no evidence, no pass).
    #[default]
    Fail,
    /// Absence means Ward cannot tell.
    Error,
}

/// A comparison applied to a textual value. Set one or more operators; all must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compare {
    /// Equal to this value (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Scalar>,
    /// Equal to one of these values (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<Scalar>>,
    /// Equal to none of these values (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none_of: Option<Vec<Scalar>>,
    /// An integer at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<Num>,
    /// An integer at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<Num>,
    /// Matches this regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    /// A list (split on commas and whitespace) containing none of these items
    /// (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes_none: Option<Vec<Scalar>>,
    /// A list (split on commas and whitespace) containing all of these items
    /// (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes_all: Option<Vec<Scalar>>,
    /// An integer (read as C's `strtol` with base 0 reads it: `027` octal, `0x17` hex,
    /// `23` decimal) with every bit of this octal mask set, e.g. a umask at least as strict
    /// as `"027"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits_set: Option<Mask>,
}

/// An octal bit mask in a comparison: written as a string of octal digits (`"027"`) or
/// naming a string parameter holding one (`{ param: umask }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Mask {
    Octal(String),
    Param(ParamRef),
}

impl Mask {
    /// The mask's value; `Err` for a parameter not resolved or text that is not octal.
    pub fn value(&self) -> Result<u32, String> {
        match self {
            Mask::Octal(s) => {
                parse_octal(s).ok_or_else(|| format!("{s:?} is not an octal mask such as \"027\""))
            }
            Mask::Param(p) => Err(format!("parameter {:?} has no value", p.param)),
        }
    }

    fn param(&self) -> Option<&str> {
        match self {
            Mask::Param(p) => Some(&p.param),
            Mask::Octal(_) => None,
        }
    }

    fn resolve(&mut self, params: &Params) -> Result<(), String> {
        if let Mask::Param(p) = self {
            match params.get(&p.param) {
                Some(ParamValue::Text(t)) if parse_octal(t).is_some() => {
                    *self = Mask::Octal(t.clone())
                }
                Some(other) => {
                    return Err(format!(
                        "parameter {:?} is {}, not a string of octal digits",
                        p.param,
                        other.kind()
                    ))
                }
                None => return Err(format!("parameter {:?} is not declared", p.param)),
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for Mask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mask::Octal(v) => write!(f, "{v}"),
            Mask::Param(p) => write!(f, "{{{}}}", p.param),
        }
    }
}

/// Octal digits only (`027`, `0077`), at most 12 bits.
pub fn parse_octal(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(s, 8).ok().filter(|m| *m <= 0o7777)
}

/// A number in a comparison: written literally (`4`) or naming a check parameter
/// (`{ param: max_auth_tries }`) whose value a profile may set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Num {
    Value(i64),
    Param(ParamRef),
}

/// A reference to a check parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamRef {
    pub param: String,
}

impl Num {
    /// The literal value; `Err` names a parameter that was not resolved.
    pub fn value(&self) -> Result<i64, String> {
        match self {
            Num::Value(v) => Ok(*v),
            Num::Param(p) => Err(format!("parameter {:?} has no value", p.param)),
        }
    }

    /// Replace a parameter reference by its value.
    fn resolve(&mut self, params: &Params) -> Result<(), String> {
        if let Num::Param(p) = self {
            match params.get(&p.param) {
                Some(ParamValue::Integer(v)) => *self = Num::Value(*v),
                Some(other) => {
                    return Err(format!(
                        "parameter {:?} is {}, not an integer",
                        p.param,
                        other.kind()
                    ))
                }
                None => return Err(format!("parameter {:?} is not declared", p.param)),
            }
        }
        Ok(())
    }

    fn param(&self) -> Option<&str> {
        match self {
            Num::Param(p) => Some(&p.param),
            Num::Value(_) => None,
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Value(v) => write!(f, "{v}"),
            Num::Param(p) => write!(f, "{{{}}}", p.param),
        }
    }
}

/// A parameter's value: an integer, a string or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Integer(i64),
    Text(String),
    List(Vec<String>),
}

impl ParamValue {
    /// The value's type, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            ParamValue::Integer(_) => "an integer",
            ParamValue::Text(_) => "a string",
            ParamValue::List(_) => "a list",
        }
    }

    /// Parse a command-line `--param` value in the type of `like`.
    pub fn parse_like(like: &ParamValue, text: &str) -> Result<ParamValue, String> {
        match like {
            ParamValue::Integer(_) => text
                .trim()
                .parse()
                .map(ParamValue::Integer)
                .map_err(|_| format!("{text:?} is not an integer")),
            ParamValue::Text(_) => Ok(ParamValue::Text(text.to_string())),
            ParamValue::List(_) => Ok(ParamValue::List(
                text.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            )),
        }
    }
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Integer(v) => write!(f, "{v}"),
            ParamValue::Text(v) => f.write_str(v),
            ParamValue::List(v) => write!(f, "[{}]", v.join(", ")),
        }
    }
}

/// Parameter values by name.
pub type Params = std::collections::BTreeMap<String, ParamValue>;

/// A YAML scalar read as text: `2`, `yes` and `"no"` all become strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(if v { "yes" } else { "no" }.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A comparison and its subject, as written in YAML: `{ key: X, one_of: [..] }`.
/// serde's `flatten` cannot be combined with `deny_unknown_fields`, so the operator fields
/// are repeated in each keyed probe by this macro.
macro_rules! keyed_probe {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fm])* pub $field: $ty,)*
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub equals: Option<Scalar>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub one_of: Option<Vec<Scalar>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub none_of: Option<Vec<Scalar>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub at_least: Option<Num>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub at_most: Option<Num>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub matches: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub includes_none: Option<Vec<Scalar>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub includes_all: Option<Vec<Scalar>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub bits_set: Option<Mask>,
        }

        impl $name {
            /// The comparison part of this probe.
            pub fn compare(&self) -> Compare {
                Compare {
                    equals: self.equals.clone(),
                    one_of: self.one_of.clone(),
                    none_of: self.none_of.clone(),
                    at_least: self.at_least.clone(),
                    at_most: self.at_most.clone(),
                    matches: self.matches.clone(),
                    includes_none: self.includes_none.clone(),
                    includes_all: self.includes_all.clone(),
                    bits_set: self.bits_set.clone(),
                }
            }

            /// The parameters this probe's comparison names.
            pub fn params(&self) -> Vec<&str> {
                self.at_least
                    .iter()
                    .chain(&self.at_most)
                    .filter_map(Num::param)
                    .chain(self.bits_set.iter().filter_map(Mask::param))
                    .collect()
            }

            /// Replace parameter references by their values.
            pub fn resolve(&mut self, params: &Params) -> Result<(), String> {
                for n in self.at_least.iter_mut().chain(self.at_most.iter_mut()) {
                    n.resolve(params)?;
                }
                if let Some(m) = &mut self.bits_set {
                    m.resolve(params)?;
                }
                Ok(())
            }
        }
    };
}

keyed_probe!(
    /// A key of a well-known key/value file (`login_defs`).
    KeyTest {
        key: String,
        /// What an unset key means (default: fail).
        #[serde(default)]
        when_missing: WhenMissing,
    }
);

keyed_probe!(
    /// An auditd.conf setting, auditd's built-in default when unset.
    AuditdTest { key: String }
);

keyed_probe!(
    /// A key of any key/value file.
    ConfigTest {
        path: String,
        /// `spaces` (`KEY VALUE`) or `equals` (`key = value`).
        format: crate::vocab::Format,
        key: String,
        /// What an unset key or a missing file means (default: fail).
        #[serde(default)]
        when_missing: WhenMissing,
    }
);

keyed_probe!(
    /// An effective sshd setting. OpenSSH's default applies when nothing sets the keyword.
    SshdTest {
        key: String,
        /// Also require every `Match` block that sets the keyword to satisfy the comparison
        /// (default: true), so a `Match` override cannot hide a weak value.
        #[serde(default = "yes")]
        match_blocks: bool,
    }
);

keyed_probe!(
    /// A kernel parameter. The configured value (or `default` when nothing configures it)
    /// must satisfy the comparison; on the live host the running value must too.
    SysctlTest {
        key: String,
        /// The kernel's value when no configuration file sets the key. Without it, an unset
        /// key fails on a scanned image (the live host still reports the running value).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<Scalar>,
    }
);

keyed_probe!(
    /// A PAM module in the stacks of some services, judged on the stack libpam builds for
    /// each service and every way it can run ([`crate::facts::pam::stack`]). With
    /// `setting`, only lines whose effective setting (module configuration files, then the
    /// line's arguments) satisfies the comparison count.
    PamTest {
        /// Services whose stacks are judged (`login`, `sshd`, `passwd`, …). A service
        /// without PAM configuration is skipped; when none has any the test is
        /// `not_applicable`.
        services: Vec<String>,
        /// `auth`, `account`, `password` or `session`.
        #[serde(rename = "type")]
        kind: crate::vocab::PamType,
        /// Module name without directory or extension (`pam_pwquality`).
        module: String,
        /// Only lines whose effective settings equal these (`{ mode: preauth }`).
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        when: std::collections::BTreeMap<String, Scalar>,
        /// The effective setting compared (`minlen`, `deny`, `nullok`, `hash`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        setting: Option<String>,
        /// `enforced` (default): every successful run passes a counting line that returns
        /// success; `every_line`: every line a run can reach satisfies the comparison
        /// (none reached passes); `some_line`: some reachable line does.
        #[serde(default)]
        expect: PamExpect,
    }
);

keyed_probe!(
    /// The sudo policy as sudo reads it ([`crate::facts::sudoers`]). Exactly one of
    /// `default` (a parameter's effective global value, sudo's built-in value when no
    /// `Defaults` sets it, compared; every `Defaults` bound to a user, host, command or
    /// runas user that sets it must satisfy the comparison too) and `password_required:
    /// true` (no rule runs a command without a password: no `NOPASSWD` tag in effect and
    /// no `!authenticate`).
    SudoTest {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password_required: Option<bool>,
    }
);

keyed_probe!(
    /// A setting of one of systemd's daemon configuration files with its drop-ins
    /// ([`crate::facts::systemd_conf`]), or the daemon's built-in `default` when nothing
    /// sets it (without one, an unset key fails).
    SystemdConfigTest {
        /// `coredump.conf`, `journald.conf`, `logind.conf` or `timesyncd.conf`.
        file: String,
        section: String,
        key: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<Scalar>,
    }
);

keyed_probe!(
    /// The hard limit pam_limits gives an ordinary user for `item` (the last `*` line),
    /// compared; every user or group line that sets a hard limit for it must satisfy the
    /// comparison too. No `*` line: the kernel's default (no limit) applies and fails.
    LimitsTest {
        item: String,
    }
);

/// What a `pam` probe requires.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PamExpect {
    #[default]
    Enforced,
    EveryLine,
    SomeLine,
}

fn yes() -> bool {
    true
}

/// File existence, kind, permissions and ownership. The path may end in a glob; every match
/// must satisfy the test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileTest {
    pub path: String,
    /// `true`: at least one file must exist; `false`: none may exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// Permission bits may not exceed this octal mode (e.g. `"0640"`): no bit outside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode_at_most: Option<String>,
    /// Owner name must be one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Vec<String>>,
    /// Group name must be one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Vec<String>>,
    /// What a missing file means when `exists` is not set (default: fail).
    #[serde(default)]
    pub when_missing: WhenMissing,
}

/// Lines of a file matching a regular expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinesTest {
    /// Host path; the last component may be a glob (all matches are searched).
    pub path: String,
    /// Regular expression (Rust `regex` syntax) applied to each line.
    pub matches: String,
    /// `present`: some line must match; `absent`: no line may match; `satisfied`: every
    /// matching line's `value` must satisfy the comparison (no matching line passes).
    pub expect: Presence,
    /// A comparison applied to the named capture group `value` of `matches` on every
    /// matching line (with `present` or `satisfied`), e.g. `minlen=(?P<value>[0-9]+)` with
    /// `{ at_least: { param: min_password_length } }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Compare>,
    /// What a missing file means (default: fail).
    #[serde(default)]
    pub when_missing: WhenMissing,
}

/// Whether something must be present or absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Present,
    Absent,
    /// Every matching line satisfies the test's `value` comparison (lines only).
    Satisfied,
}

/// Whether a package is installed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageTest {
    /// Binary package name.
    pub name: String,
    /// `true`: must be installed; `false`: must not be.
    pub installed: bool,
}

/// Whether a service starts at boot and, on the live host, whether it is running. The
/// host's init system decides which name is used: `unit` on a systemd host, `openrc` on an
/// OpenRC host (Alpine). A probe naming no service for the host's init system treats the
/// service as not installed there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceTest {
    /// Full systemd unit name, e.g. `ssh.service`, `telnet.socket`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// OpenRC service name (an `/etc/init.d` script), e.g. `chronyd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openrc: Option<String>,
    /// `true`: must be enabled (systemd: a `.wants`/`.requires` link; OpenRC: in the
    /// `sysinit`, `boot` or `default` runlevel); `false`: must not be (absent or masked also
    /// pass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `true`: must be running now; `false`: must not be. Read on the live host only: on
    /// an image or another root the probe is `not_applicable`, never a pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// A query over local accounts. Set exactly one field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountTest {
    /// Only these accounts may have UID 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid_zero_only: Option<Vec<String>>,
    /// No account may have an empty password (passwd or shadow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_empty_passwords: Option<bool>,
    /// Every passwd entry keeps its password in the shadow file (`x`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_shadowed: Option<bool>,
    /// Every password hash (usable or locked) uses one of these algorithms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_algorithms: Option<Vec<crate::vocab::HashAlgorithm>>,
    /// System accounts (UID below login.defs `UID_MIN`, root excepted) cannot log in:
    /// their shell is a no-login shell or their password is unusable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_accounts_no_login: Option<bool>,
    /// No two accounts share a UID, and no two groups share a GID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_ids: Option<bool>,
    /// No two accounts share a name, and no two groups share a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_names: Option<bool>,
    /// Every account's primary group exists in `/etc/group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_groups_exist: Option<bool>,
    /// No NIS compat entry (`+`, `+name`, `-name`, `+@netgroup`) in passwd, group or shadow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_nis_compat: Option<bool>,
    /// Only these accounts may belong to the named group (e.g. `{ group: sudo, allow: [] }`
    /// lists the members found as evidence and fails when anyone else is a member).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_members_only: Option<GroupMembers>,
    /// Every login account (UID at least login.defs `UID_MIN`, a login shell) has a home
    /// directory that exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_directories_exist: Option<bool>,
    /// Every login account's home directory is owned by the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_directories_owned: Option<bool>,
    /// Every login account's home directory grants no permission bit beyond this mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_directory_mode_at_most: Option<Mask>,
    /// root's primary group (in /etc/passwd) is GID 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_gid_zero: Option<bool>,
}

/// Allowed members of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupMembers {
    pub group: String,
    pub allow: Vec<String>,
}

impl AccountTest {
    /// How many queries are set (a valid test sets exactly one).
    pub fn query_count(&self) -> usize {
        [
            self.uid_zero_only.is_some(),
            self.no_empty_passwords.is_some(),
            self.all_shadowed.is_some(),
            self.hash_algorithms.is_some(),
            self.system_accounts_no_login.is_some(),
            self.unique_ids.is_some(),
            self.unique_names.is_some(),
            self.primary_groups_exist.is_some(),
            self.group_members_only.is_some(),
            self.no_nis_compat.is_some(),
            self.home_directories_exist.is_some(),
            self.home_directories_owned.is_some(),
            self.home_directory_mode_at_most.is_some(),
            self.root_gid_zero.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }
}

impl Compare {
    fn operator_count(&self) -> usize {
        [
            self.equals.is_some(),
            self.one_of.is_some(),
            self.none_of.is_some(),
            self.at_least.is_some(),
            self.at_most.is_some(),
            self.matches.is_some(),
            self.includes_none.is_some(),
            self.includes_all.is_some(),
            self.bits_set.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }

    /// The parameters this comparison names.
    pub fn params(&self) -> Vec<&str> {
        self.at_least
            .iter()
            .chain(&self.at_most)
            .filter_map(Num::param)
            .chain(self.bits_set.iter().filter_map(Mask::param))
            .collect()
    }

    /// Replace parameter references by their values.
    pub fn resolve(&mut self, params: &Params) -> Result<(), String> {
        for n in self.at_least.iter_mut().chain(self.at_most.iter_mut()) {
            n.resolve(params)?;
        }
        if let Some(m) = &mut self.bits_set {
            m.resolve(params)?;
        }
        Ok(())
    }

    /// Human text of what is expected, for evidence: `one of [no]`, `at most 4`.
    pub fn describe(&self) -> String {
        let list = |v: &Vec<Scalar>| {
            v.iter()
                .map(|s| s.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if let Some(v) = &self.equals {
            parts.push(format!("equals {v}"));
        }
        if let Some(v) = &self.one_of {
            parts.push(format!("one of [{}]", list(v)));
        }
        if let Some(v) = &self.none_of {
            parts.push(format!("none of [{}]", list(v)));
        }
        if let Some(v) = &self.at_least {
            parts.push(format!("at least {v}"));
        }
        if let Some(v) = &self.at_most {
            parts.push(format!("at most {v}"));
        }
        if let Some(v) = &self.matches {
            parts.push(format!("matches /{v}/"));
        }
        if let Some(v) = &self.includes_none {
            parts.push(format!("includes none of [{}]", list(v)));
        }
        if let Some(v) = &self.includes_all {
            parts.push(format!("includes all of [{}]", list(v)));
        }
        if let Some(v) = &self.bits_set {
            parts.push(format!("every bit of octal {v} set"));
        }
        parts.join(" and ")
    }

    fn validate(&self, at: &str, problems: &mut Vec<String>) {
        if self.operator_count() == 0 {
            problems.push(format!(
                "{at}: no comparison given; set one of equals, one_of, none_of, at_least, \
                 at_most, matches, includes_none, includes_all, bits_set"
            ));
        }
        if let Some(Mask::Octal(m)) = &self.bits_set {
            if parse_octal(m).is_none() {
                problems.push(format!(
                    "{at}: bits_set {m:?} is not an octal mask such as \"027\""
                ));
            }
        }
        if let Some(re) = &self.matches {
            if let Some(e) = regex_error(re) {
                problems.push(format!("{at}: invalid regular expression {re:?}: {e}"));
            }
        }
        for (name, list) in [
            ("one_of", &self.one_of),
            ("none_of", &self.none_of),
            ("includes_none", &self.includes_none),
            ("includes_all", &self.includes_all),
        ] {
            if list.as_ref().is_some_and(Vec::is_empty) {
                problems.push(format!("{at}: `{name}` is an empty list"));
            }
        }
    }
}

/// Parse an octal mode string such as `"0640"` or `"640"`.
pub fn parse_mode(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || s.len() > 5 {
        return None;
    }
    u32::from_str_radix(s, 8).ok().filter(|m| *m <= 0o7777)
}

impl Test {
    /// Check what serde cannot; push one message per problem, naming the probe.
    pub fn validate(&self, problems: &mut Vec<String>) {
        match self {
            Test::All(v) | Test::Any(v) | Test::None(v) => {
                if v.is_empty() {
                    problems.push("a combinator (all/any/none) has no sub-tests".to_string());
                }
                for t in v {
                    t.validate(problems);
                }
            }
            Test::Not(t) => t.validate(problems),
            Test::File(f) => {
                if let Some(m) = &f.mode_at_most {
                    if parse_mode(m).is_none() {
                        problems.push(format!(
                            "file {}: mode_at_most {m:?} is not an octal mode such as \"0640\"",
                            f.path
                        ));
                    }
                }
                if f.exists == Some(false)
                    && (f.mode_at_most.is_some() || f.owner.is_some() || f.group.is_some())
                {
                    problems.push(format!(
                        "file {}: `exists: false` cannot be combined with mode or ownership",
                        f.path
                    ));
                }
                if f.exists.is_none()
                    && f.mode_at_most.is_none()
                    && f.owner.is_none()
                    && f.group.is_none()
                {
                    problems.push(format!(
                        "file {}: nothing to test; set exists, mode_at_most, owner or group",
                        f.path
                    ));
                }
                check_path(&f.path, "file", problems);
            }
            Test::Lines(l) => {
                if let Some(e) = regex_error(&l.matches) {
                    problems.push(format!(
                        "lines {}: invalid regular expression {:?}: {e}",
                        l.path, l.matches
                    ));
                }
                let at = format!("lines {}", l.path);
                match (&l.value, l.expect) {
                    (Some(v), Presence::Present | Presence::Satisfied) => {
                        v.validate(&format!("{at}: value"), problems);
                        let named = has_capture_named(&l.matches, "value").unwrap_or(true);
                        if !named {
                            problems.push(format!(
                                "{at}: `value` needs a capture group named `value` in `matches`, \
                                 e.g. `minlen=(?P<value>[0-9]+)`"
                            ));
                        }
                    }
                    (Some(_), Presence::Absent) => problems.push(format!(
                        "{at}: `value` cannot be combined with `expect: absent`"
                    )),
                    (None, Presence::Satisfied) => problems.push(format!(
                        "{at}: `expect: satisfied` needs a `value` comparison"
                    )),
                    (None, _) => {}
                }
                check_path(&l.path, "lines", problems);
            }
            Test::Config(c) => {
                c.compare()
                    .validate(&format!("config {} {}", c.path, c.key), problems);
                check_path(&c.path, "config", problems);
            }
            Test::LoginDefs(k) => k
                .compare()
                .validate(&format!("login_defs {}", k.key), problems),
            Test::Sshd(s) => {
                s.compare().validate(&format!("sshd {}", s.key), problems);
                if s.key.is_empty() || s.key.contains(char::is_whitespace) {
                    problems.push(format!("sshd: {:?} is not an sshd keyword", s.key));
                }
            }
            Test::Sysctl(s) => {
                s.compare().validate(&format!("sysctl {}", s.key), problems);
                if s.key.is_empty()
                    || !s
                        .key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-/*".contains(c))
                {
                    problems.push(format!("sysctl: {:?} is not a sysctl key", s.key));
                }
            }
            Test::Package(p) => {
                if p.name.is_empty() || p.name.contains(char::is_whitespace) {
                    problems.push(format!("package: {:?} is not a package name", p.name));
                }
            }
            Test::Service(s) => {
                if let Some(unit) = &s.unit {
                    if !unit.contains('.') || unit.contains('/') {
                        problems.push(format!(
                            "service: {unit:?} needs its unit type suffix, e.g. \"ssh.service\""
                        ));
                    }
                }
                if let Some(name) = &s.openrc {
                    if name.is_empty()
                        || name.contains(['/', '.'])
                        || name.contains(char::is_whitespace)
                    {
                        problems.push(format!(
                            "service: openrc {name:?} must be an init script name such as chronyd"
                        ));
                    }
                }
                if s.unit.is_none() && s.openrc.is_none() {
                    problems.push(
                        "service: name a systemd `unit`, an `openrc` service, or both".into(),
                    );
                }
                if s.enabled.is_none() && s.active.is_none() {
                    problems.push("service: set `enabled`, `active`, or both".into());
                }
            }
            Test::Account(a) => {
                if a.query_count() != 1 {
                    problems.push(format!(
                        "account: set exactly one query (found {})",
                        a.query_count()
                    ));
                }
                if let Some(Mask::Octal(m)) = &a.home_directory_mode_at_most {
                    if parse_octal(m).is_none() {
                        problems.push(format!(
                            "account: home_directory_mode_at_most {m:?} is not an octal mode"
                        ));
                    }
                }
            }
            Test::Filesystem(f) => {
                if f.query_count() != (1, true) {
                    problems.push(
                        "filesystem: set exactly one query (`true`, or a list for `setid_only`)"
                            .into(),
                    );
                }
                if let Some(Names::Value(v)) = &f.setid_only {
                    for p in v.iter().filter(|p| !p.starts_with('/')) {
                        problems.push(format!(
                            "filesystem: setid_only path {p:?} must be absolute"
                        ));
                    }
                }
            }
            Test::Vulnerabilities(v) => {
                if let Some(Word::Value(w)) = &v.min_severity {
                    if !ADVISORY_SEVERITIES.contains(&w.as_str()) {
                        problems.push(format!(
                            "vulnerabilities: min_severity {w:?} is not one of {}",
                            ADVISORY_SEVERITIES.join(", ")
                        ));
                    }
                }
                non_negative(
                    "vulnerabilities: older_than_days",
                    &v.older_than_days,
                    problems,
                );
            }
            Test::PendingUpdates(p) => non_negative(
                "pending_updates: older_than_days",
                &p.older_than_days,
                problems,
            ),
            Test::PackageMetadata(m) => non_negative(
                "package_metadata: max_age_days",
                &Some(m.max_age_days.clone()),
                problems,
            ),
            Test::EndOfLife(_) => {}
            Test::Pam(p) => {
                if p.services.is_empty()
                    || p.services.iter().any(|s| s.is_empty() || s.contains('/'))
                {
                    problems.push("pam: services must name at least one service (no paths)".into());
                }
                if p.module.is_empty() || p.module.contains(['/', '.']) {
                    problems.push(format!(
                        "pam: module {:?} must be a module name such as pam_unix",
                        p.module
                    ));
                }
                let compares = p.compare() != Compare::default();
                if compares && p.setting.is_none() {
                    problems.push("pam: a comparison needs `setting`".into());
                }
                if !compares && p.setting.is_some() {
                    problems.push("pam: `setting` needs a comparison".into());
                }
                if !compares && p.expect != PamExpect::Enforced {
                    problems.push("pam: every_line and some_line need a setting to compare".into());
                }
            }
            Test::SystemdConfig(t) => {
                if !crate::vocab::SYSTEMD_CONF_FILES.contains(&t.file.as_str()) {
                    problems.push(format!(
                        "systemd_config: file {:?} is not one of {}",
                        t.file,
                        crate::vocab::SYSTEMD_CONF_FILES.join(", ")
                    ));
                }
                if t.compare() == Compare::default() {
                    problems.push("systemd_config: needs a comparison".into());
                }
            }
            Test::Limits(t) => {
                if t.item.is_empty() || t.compare() == Compare::default() {
                    problems.push("limits: needs an item and a comparison".into());
                }
            }
            Test::Sudo(t) => {
                let compares = t.compare() != Compare::default();
                match (&t.default, t.password_required) {
                    (Some(_), None) if compares => {}
                    (Some(_), None) => problems.push("sudo: `default` needs a comparison".into()),
                    (None, Some(true)) if !compares => {}
                    _ => problems.push(
                        "sudo: give exactly one of `default` (with a comparison) and `password_required: true`".into(),
                    ),
                }
            }
            Test::Mount(m) => {
                if !m.path.starts_with('/') {
                    problems.push(format!("mount: path {:?} must be absolute", m.path));
                }
                match (&m.separate, &m.option) {
                    (Some(true), None) => {}
                    (None, Some(o)) if MOUNT_OPTIONS.contains(&o.as_str()) => {}
                    (None, Some(o)) => problems.push(format!(
                        "mount: option {o:?} is not one of {}",
                        MOUNT_OPTIONS.join(", ")
                    )),
                    (Some(false), None) => problems.push(
                        "mount: `separate: false` checks nothing; use `separate: true`".into(),
                    ),
                    _ => problems
                        .push("mount: give exactly one of `separate: true` and `option`".into()),
                }
            }
            Test::AuditRule(a) => {
                let n = usize::from(a.watch.is_some())
                    + usize::from(a.syscalls.is_some())
                    + usize::from(a.immutable.is_some());
                if n != 1 {
                    problems.push(
                        "audit_rule: give exactly one of `watch`, `syscalls` and `immutable`"
                            .into(),
                    );
                }
                if a.immutable == Some(false) {
                    problems.push("audit_rule: `immutable: false` checks nothing".into());
                }
                if let Some(w) = &a.watch {
                    if !w.starts_with('/') {
                        problems.push(format!("audit_rule: watch {w:?} must be absolute"));
                    }
                }
                if let Some(p) = &a.perms {
                    if a.watch.is_none() || p.is_empty() || !p.chars().all(|c| "rwxa".contains(c)) {
                        problems.push(format!(
                            "audit_rule: perms {p:?} must be letters of rwxa, with `watch`"
                        ));
                    }
                }
                if let Some(s) = &a.syscalls {
                    if s.is_empty()
                        || s.iter().any(|n| {
                            n.is_empty()
                                || !n.bytes().all(|b| {
                                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
                                })
                        })
                    {
                        problems.push("audit_rule: syscalls must be syscall names".into());
                    }
                }
                if let Some(arch) = &a.arch {
                    if a.syscalls.is_none()
                        || arch.is_empty()
                        || arch.iter().any(|x| x != "b64" && x != "b32")
                    {
                        problems.push("audit_rule: arch is b64 and/or b32, with `syscalls`".into());
                    }
                }
            }
            Test::Auditd(k) => {
                k.compare().validate(&format!("auditd {}", k.key), problems);
                if !AUDITD_KEYWORDS
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&k.key))
                {
                    problems.push(format!("auditd: {:?} is not an auditd.conf keyword", k.key));
                }
            }
            Test::KernelModule(k) => {
                if k.name.is_empty()
                    || !k
                        .name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    problems.push(format!("kernel_module: {:?} is not a module name", k.name));
                }
            }
            Test::TimeSync(t) => match (t.sources, t.single_daemon) {
                (Some(true), None) | (None, Some(true)) => {}
                _ => problems.push(
                    "time_sync: give exactly one of `sources: true` and `single_daemon: true`"
                        .into(),
                ),
            },
            Test::MalwareSignatures(m) => non_negative(
                "malware_signatures: max_age_days",
                &Some(m.max_age_days.clone()),
                problems,
            ),
            Test::Listening(l) => {
                if usize::from(l.none_on.is_some()) + usize::from(l.only.is_some()) != 1 {
                    problems.push("listening: give exactly one of `none_on` and `only`".into());
                }
                for n in l.none_on.iter().chain(l.only.iter()) {
                    if let Names::Value(v) = n {
                        if let Err(e) = PortSpec::parse_all(v) {
                            problems.push(format!("listening: {e}"));
                        }
                    }
                }
            }
            Test::Mta(m) => {
                if !m.local_only {
                    problems.push(
                        "mta: `local_only: false` checks nothing; use `local_only: true`".into(),
                    );
                }
                if let Names::Value(v) = &m.ports {
                    if let Err(e) = PortSpec::parse_all(v) {
                        problems.push(format!("mta: ports: {e}"));
                    }
                }
            }
            Test::Logging(l) => {
                if l.query_count() != 1 {
                    problems.push(
                        "logging: give exactly one of `remote_forwarding`, `file_mode_at_most`, \
                         `remote_input`, `journal_reaches_syslog`, `log_files_mode_at_most`, \
                         `retention_days_at_least`"
                            .into(),
                    );
                }
                if l.remote_forwarding == Some(false) || l.journal_reaches_syslog == Some(false) {
                    problems.push("logging: `false` checks nothing; use `true`".into());
                }
                if l.severity.is_some() && l.remote_forwarding.is_none() {
                    problems.push("logging: `severity` goes with `remote_forwarding`".into());
                }
                if let Some(Word::Value(s)) = &l.severity {
                    if !SYSLOG_SEVERITIES.contains(&s.as_str()) {
                        problems.push(format!(
                            "logging: severity {s:?} is not one of {}",
                            SYSLOG_SEVERITIES.join(", ")
                        ));
                    }
                }
                if let Some(Word::Value(w)) = &l.remote_input {
                    if w != "none" && w != "allowed" {
                        problems.push(format!(
                            "logging: remote_input {w:?} is not `none` or `allowed`"
                        ));
                    }
                }
                if (l.except.is_some() || l.except_mode_at_most.is_some())
                    && (l.log_files_mode_at_most.is_none()
                        || l.except.is_none()
                        || l.except_mode_at_most.is_none())
                {
                    problems.push(
                        "logging: `except` and `except_mode_at_most` go together, with `log_files_mode_at_most`"
                            .into(),
                    );
                }
                for m in [
                    &l.file_mode_at_most,
                    &l.log_files_mode_at_most,
                    &l.except_mode_at_most,
                ]
                .into_iter()
                .flatten()
                {
                    if let Mask::Octal(o) = m {
                        if parse_octal(o).is_none() {
                            problems.push(format!("logging: {o:?} is not an octal mode"));
                        }
                    }
                }
                non_negative(
                    "logging: retention_days_at_least",
                    &l.retention_days_at_least,
                    problems,
                );
            }
            Test::Certificate(c) => {
                let expiry = c.min_days_valid.is_some();
                let strength = c.min_rsa_bits.is_some() || c.min_ec_bits.is_some();
                let sig = c.no_weak_signatures.is_some();
                if usize::from(expiry) + usize::from(strength) + usize::from(sig) != 1
                    || (strength && (c.min_rsa_bits.is_none() || c.min_ec_bits.is_none()))
                    || c.no_weak_signatures == Some(false)
                {
                    problems.push(
                        "certificate: give exactly one of `min_days_valid`, `min_rsa_bits` with \
                         `min_ec_bits`, and `no_weak_signatures: true`"
                            .into(),
                    );
                }
                non_negative("certificate: min_days_valid", &c.min_days_valid, problems);
                non_negative("certificate: min_rsa_bits", &c.min_rsa_bits, problems);
                non_negative("certificate: min_ec_bits", &c.min_ec_bits, problems);
            }
            Test::TlsPrivateKeys(_) | Test::CryptoPolicy(_) => {}
            Test::DiskEncryption(d) => {
                if let Names::Value(v) = &d.mount_points {
                    if v.is_empty() || v.iter().any(|p| !p.starts_with('/')) {
                        problems.push(
                            "disk_encryption: mount_points must be absolute paths (at least one)"
                                .into(),
                        );
                    }
                }
            }
            Test::Openssl(o) => {
                if let Word::Value(v) = &o.min_protocol {
                    if !TLS_VERSIONS.contains(&v.as_str()) {
                        problems.push(format!(
                            "openssl: min_protocol {v:?} is not one of {}",
                            TLS_VERSIONS.join(", ")
                        ));
                    }
                }
            }
            Test::Firewall(f) => {
                let given = [
                    f.enabled == Some(true),
                    f.inbound_default.as_deref() == Some("deny"),
                    f.loopback_accepted == Some(true),
                    f.single_manager == Some(true),
                ];
                let set = usize::from(f.enabled.is_some())
                    + usize::from(f.inbound_default.is_some())
                    + usize::from(f.loopback_accepted.is_some())
                    + usize::from(f.single_manager.is_some());
                if set != 1 || given.iter().filter(|g| **g).count() != 1 {
                    problems.push(
                        "firewall: give exactly one of `enabled: true`, `inbound_default: deny`, \
                         `loopback_accepted: true`, `single_manager: true`"
                            .into(),
                    );
                }
            }
        }
    }

    /// The names of the parameters this test refers to.
    pub fn params(&self) -> Vec<String> {
        let mut probes = Vec::new();
        self.probes(&mut probes);
        let mut out: Vec<String> = probes
            .into_iter()
            .flat_map(|p| match p {
                Test::Config(c) => c.params(),
                Test::LoginDefs(k) => k.params(),
                Test::Sshd(s) => s.params(),
                Test::Sysctl(s) => s.params(),
                Test::Pam(p) => p.params(),
                Test::Sudo(t) => t.params(),
                Test::SystemdConfig(t) => t.params(),
                Test::Limits(t) => t.params(),
                Test::Auditd(k) => k.params(),
                Test::Account(a) => a
                    .home_directory_mode_at_most
                    .iter()
                    .filter_map(Mask::param)
                    .collect(),
                Test::Filesystem(f) => f.setid_only.iter().filter_map(Names::param).collect(),
                Test::Listening(l) => l
                    .none_on
                    .iter()
                    .chain(l.only.iter())
                    .filter_map(Names::param)
                    .collect(),
                Test::Mta(m) => m.ports.param().into_iter().collect(),
                Test::Lines(l) => l.value.as_ref().map(Compare::params).unwrap_or_default(),
                Test::Vulnerabilities(v) => v
                    .min_severity
                    .iter()
                    .filter_map(Word::param)
                    .chain(v.older_than_days.iter().filter_map(Num::param))
                    .collect(),
                Test::PendingUpdates(p) => {
                    p.older_than_days.iter().filter_map(Num::param).collect()
                }
                Test::PackageMetadata(m) => m.max_age_days.param().into_iter().collect(),
                Test::MalwareSignatures(m) => m.max_age_days.param().into_iter().collect(),
                Test::Logging(l) => l
                    .severity
                    .iter()
                    .filter_map(Word::param)
                    .chain(l.remote_input.iter().filter_map(Word::param))
                    .chain(
                        [
                            &l.file_mode_at_most,
                            &l.log_files_mode_at_most,
                            &l.except_mode_at_most,
                        ]
                        .into_iter()
                        .flatten()
                        .filter_map(Mask::param),
                    )
                    .chain(l.except.iter().filter_map(Names::param))
                    .chain(l.retention_days_at_least.iter().filter_map(Num::param))
                    .collect(),
                Test::Certificate(c) => [&c.min_days_valid, &c.min_rsa_bits, &c.min_ec_bits]
                    .into_iter()
                    .flatten()
                    .filter_map(Num::param)
                    .collect(),
                Test::Openssl(o) => o.min_protocol.param().into_iter().collect(),
                Test::DiskEncryption(d) => d.mount_points.param().into_iter().collect(),
                Test::CryptoPolicy(c) => c
                    .policies
                    .param()
                    .into_iter()
                    .chain(c.forbidden_modules.param())
                    .collect(),
                Test::TlsPrivateKeys(k) => k
                    .owners
                    .param()
                    .into_iter()
                    .chain(k.group_readable_by.param())
                    .collect(),
                _ => Vec::new(),
            })
            .map(str::to_string)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// This test with every parameter reference replaced by its value.
    pub fn resolved(&self, params: &Params) -> Result<Test, String> {
        let mut t = self.clone();
        t.resolve(params)?;
        Ok(t)
    }

    fn resolve(&mut self, params: &Params) -> Result<(), String> {
        match self {
            Test::All(v) | Test::Any(v) | Test::None(v) => {
                v.iter_mut().try_for_each(|t| t.resolve(params))
            }
            Test::Not(t) => t.resolve(params),
            Test::Config(c) => c.resolve(params),
            Test::LoginDefs(k) => k.resolve(params),
            Test::Sshd(s) => s.resolve(params),
            Test::Sysctl(s) => s.resolve(params),
            Test::Pam(p) => p.resolve(params),
            Test::Sudo(t) => t.resolve(params),
            Test::SystemdConfig(t) => t.resolve(params),
            Test::Limits(t) => t.resolve(params),
            Test::Auditd(k) => k.resolve(params),
            Test::Account(a) => match &mut a.home_directory_mode_at_most {
                Some(m) => m.resolve(params),
                None => Ok(()),
            },
            Test::Filesystem(f) => match &mut f.setid_only {
                Some(n) => n.resolve(params),
                None => Ok(()),
            },
            Test::Listening(l) => {
                for n in l.none_on.iter_mut().chain(l.only.iter_mut()) {
                    n.resolve(params)?;
                    PortSpec::parse_all(n.value()?)?;
                }
                Ok(())
            }
            Test::Mta(m) => {
                m.ports.resolve(params)?;
                PortSpec::parse_all(m.ports.value()?).map(|_| ())
            }
            Test::Lines(l) => match &mut l.value {
                Some(v) => v.resolve(params),
                None => Ok(()),
            },
            Test::Vulnerabilities(v) => {
                if let Some(w) = &mut v.min_severity {
                    w.resolve(params)?;
                    if let Word::Value(w) = w {
                        if !ADVISORY_SEVERITIES.contains(&w.as_str()) {
                            return Err(format!(
                                "min_severity {w:?} is not one of {}",
                                ADVISORY_SEVERITIES.join(", ")
                            ));
                        }
                    }
                }
                v.older_than_days
                    .iter_mut()
                    .try_for_each(|n| n.resolve(params))
            }
            Test::PendingUpdates(p) => p
                .older_than_days
                .iter_mut()
                .try_for_each(|n| n.resolve(params)),
            Test::PackageMetadata(m) => m.max_age_days.resolve(params),
            Test::MalwareSignatures(m) => m.max_age_days.resolve(params),
            Test::Logging(l) => {
                if let Some(w) = &mut l.severity {
                    w.resolve(params)?;
                    if let Word::Value(s) = w {
                        if !SYSLOG_SEVERITIES.contains(&s.as_str()) {
                            return Err(format!(
                                "severity {s:?} is not one of {}",
                                SYSLOG_SEVERITIES.join(", ")
                            ));
                        }
                    }
                }
                if let Some(w) = &mut l.remote_input {
                    w.resolve(params)?;
                    if let Word::Value(s) = w {
                        if s != "none" && s != "allowed" {
                            return Err(format!("remote_input {s:?} is not `none` or `allowed`"));
                        }
                    }
                }
                for m in [
                    &mut l.file_mode_at_most,
                    &mut l.log_files_mode_at_most,
                    &mut l.except_mode_at_most,
                ]
                .into_iter()
                .flatten()
                {
                    m.resolve(params)?;
                }
                if let Some(n) = &mut l.except {
                    n.resolve(params)?;
                }
                l.retention_days_at_least
                    .iter_mut()
                    .try_for_each(|n| n.resolve(params))
            }
            Test::Certificate(c) => [
                &mut c.min_days_valid,
                &mut c.min_rsa_bits,
                &mut c.min_ec_bits,
            ]
            .into_iter()
            .flatten()
            .try_for_each(|n| n.resolve(params)),
            Test::TlsPrivateKeys(k) => {
                k.owners.resolve(params)?;
                k.group_readable_by.resolve(params)
            }
            Test::Openssl(o) => {
                o.min_protocol.resolve(params)?;
                match &o.min_protocol {
                    Word::Value(v) if !TLS_VERSIONS.contains(&v.as_str()) => Err(format!(
                        "min_protocol {v:?} is not one of {}",
                        TLS_VERSIONS.join(", ")
                    )),
                    _ => Ok(()),
                }
            }
            Test::CryptoPolicy(c) => {
                c.policies.resolve(params)?;
                c.forbidden_modules.resolve(params)
            }
            Test::DiskEncryption(d) => d.mount_points.resolve(params),
            _ => Ok(()),
        }
    }

    /// Walk every probe (leaf) of this test.
    pub fn probes<'a>(&'a self, out: &mut Vec<&'a Test>) {
        match self {
            Test::All(v) | Test::Any(v) | Test::None(v) => v.iter().for_each(|t| t.probes(out)),
            Test::Not(t) => t.probes(out),
            leaf => out.push(leaf),
        }
    }
}

/// syslog severities, most severe first (rsyslog's and syslog(3)'s names).
pub const SYSLOG_SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// A literal day count must not be negative.
fn non_negative(what: &str, n: &Option<Num>, problems: &mut Vec<String>) {
    if let Some(Num::Value(v)) = n {
        if *v < 0 {
            problems.push(format!("{what} is {v}; it cannot be negative"));
        }
    }
}

fn check_path(path: &str, probe: &str, problems: &mut Vec<String>) {
    if !path.starts_with('/') {
        problems.push(format!("{probe}: path {path:?} must be absolute"));
    }
    if let Some((dir, _)) = path.rsplit_once('/') {
        if crate::vocab::has_glob_meta(dir) {
            problems.push(format!(
                "{probe}: path {path:?}: only the last component may contain a glob"
            ));
        }
    }
    if let Some((_, last)) = path.rsplit_once('/') {
        if let Err(e) = glob::Pattern::new(last) {
            problems.push(format!("{probe}: path {path:?}: invalid glob: {e}"));
        }
    }
}

/// Why `re` is not a valid regular expression for the `regex` crate, if it is not. Only
/// the syntax is checked (compiling every pattern of the catalogue at each load costs more
/// than the rest of validation); a pattern over the compiled-size limit is still an error,
/// reported by the collector that compiles it.
pub(crate) fn regex_error(re: &str) -> Option<String> {
    regex_syntax::Parser::new()
        .parse(re)
        .err()
        .map(|e| e.to_string())
}

/// Whether `re` has a capture group called `name` (`None` if `re` does not parse). Read from
/// the pattern's syntax tree, so the pattern is not compiled at load.
fn has_capture_named(re: &str, name: &str) -> Option<bool> {
    use regex_syntax::hir::{Hir, HirKind};
    fn walk(h: &Hir, name: &str) -> bool {
        match h.kind() {
            HirKind::Capture(c) => c.name.as_deref() == Some(name) || walk(&c.sub, name),
            HirKind::Repetition(r) => walk(&r.sub, name),
            HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(|h| walk(h, name)),
            HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => false,
        }
    }
    let hir = regex_syntax::Parser::new().parse(re).ok()?;
    Some(walk(&hir, name))
}
