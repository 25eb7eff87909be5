//! The collector registry: which collectors run, what each reads, and where its output goes.
//!
//! A collector is a type implementing [`Collector`]; its output type implements
//! [`FactKind`], whose name is the output's key in a facts bundle. The registry runs its
//! collectors in order against a [`HostRoot`] and stores each output in [`Facts`] by name,
//! so adding a collector touches its own module and this registry, never `Facts` or the
//! evaluator: probes read outputs with `facts.fact::<T>()`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    accounts, files, keyvalue, os_release, packages, sshd, sysctl, systemd, CollectorRun, Fact,
    FactKind, Facts, Plan,
};
use crate::host_root::HostRoot;

/// A source of facts about a host.
pub trait Collector: Send + Sync + 'static {
    /// The collector's output; its `NAME` is the collector's name.
    type Output: FactKind;

    /// Host paths (globs) this collector reads, for documentation and the bundle's record.
    fn paths(&self) -> Vec<String>;

    /// Whether it only reads the running system (so it is skipped on an image).
    fn live_only(&self) -> bool {
        false
    }

    /// Collect from `root`. A failure is a [`Fact::Error`] with the reason, never a panic.
    fn collect(&self, root: &HostRoot, plan: &Plan) -> Fact<Self::Output>;

    /// Collect with the outputs of the collectors that ran before this one at hand, so a
    /// collector can reuse another's work (file ownership names come from the accounts
    /// collector's parse). By default the same as [`Collector::collect`].
    fn collect_after(&self, root: &HostRoot, plan: &Plan, earlier: &Facts) -> Fact<Self::Output> {
        let _ = earlier;
        self.collect(root, plan)
    }

    /// The outputs (by name) [`Collector::collect_after`] reads: the registry runs this
    /// collector after them. Collectors whose needs are met run side by side.
    fn needs(&self) -> &'static [&'static str] {
        &[]
    }

    /// A collector that takes much longer than the others (a whole-tree walk, a 50 MB
    /// package index): started first when collectors run side by side.
    fn slow(&self) -> bool {
        false
    }
}

/// A collector's output, ready to be stored.
type Produced = Box<dyn FnOnce(&mut Facts) + Send>;

/// A registered collector with its type erased.
trait Erased: Send + Sync {
    fn name(&self) -> &'static str;
    fn paths(&self) -> Vec<String>;
    fn live_only(&self) -> bool;
    fn needs(&self) -> &'static [&'static str];
    fn slow(&self) -> bool;
    fn produce(&self, root: &HostRoot, plan: &Plan, earlier: &Facts) -> Produced;
}

impl<C: Collector> Erased for C {
    fn name(&self) -> &'static str {
        C::Output::NAME
    }
    fn paths(&self) -> Vec<String> {
        Collector::paths(self)
    }
    fn live_only(&self) -> bool {
        Collector::live_only(self)
    }
    fn needs(&self) -> &'static [&'static str] {
        Collector::needs(self)
    }
    fn slow(&self) -> bool {
        Collector::slow(self)
    }
    fn produce(&self, root: &HostRoot, plan: &Plan, earlier: &Facts) -> Produced {
        let out = self.collect_after(root, plan, earlier);
        Box::new(move |facts: &mut Facts| facts.insert(out))
    }
}

/// Two collectors with one name.
#[derive(Debug, thiserror::Error)]
#[error("a collector named {0:?} is already registered")]
pub struct DuplicateCollector(pub String);

/// An ordered set of collectors.
#[derive(Default)]
pub struct Registry {
    collectors: Vec<Box<dyn Erased>>,
}

impl Registry {
    /// No collectors.
    pub fn empty() -> Registry {
        Registry::default()
    }

    /// Ward's own collectors.
    pub fn builtin() -> Registry {
        let mut r = Registry::empty();
        // Names are unique by construction; a clash is a programming error caught by tests.
        let _ = r.register(OsReleaseCollector);
        let _ = r.register(PackagesCollector);
        let _ = r.register(PendingUpdatesCollector);
        let _ = r.register(AccountsCollector);
        let _ = r.register(LoginDefsCollector);
        let _ = r.register(SshdCollector);
        let _ = r.register(SysctlCollector);
        let _ = r.register(ModprobeCollector);
        let _ = r.register(PamCollector);
        let _ = r.register(SudoersCollector);
        let _ = r.register(SystemdConfCollector);
        let _ = r.register(LimitsCollector);
        let _ = r.register(SystemdCollector);
        let _ = r.register(OpenRcCollector);
        let _ = r.register(MountsCollector);
        let _ = r.register(TimeSyncCollector);
        let _ = r.register(ClamAvCollector);
        let _ = r.register(AuditCollector);
        let _ = r.register(FirewallCollector);
        let _ = r.register(SocketsCollector);
        let _ = r.register(MtaCollector);
        let _ = r.register(RsyslogCollector);
        let _ = r.register(SyslogNgCollector);
        let _ = r.register(LogrotateCollector);
        let _ = r.register(LogFilesCollector);
        let _ = r.register(TlsCollector);
        let _ = r.register(CryptoPolicyCollector);
        let _ = r.register(DiskEncryptionCollector);
        let _ = r.register(FilesCollector);
        let _ = r.register(HomeDirsCollector);
        let _ = r.register(FilesystemWalkCollector::default());
        let _ = r.register(LinesCollector);
        let _ = r.register(ConfigsCollector);
        r
    }

    /// Add a collector; its output's name must be new.
    pub fn register<C: Collector>(&mut self, c: C) -> Result<(), DuplicateCollector> {
        if self.collectors.iter().any(|x| x.name() == C::Output::NAME) {
            return Err(DuplicateCollector(C::Output::NAME.to_string()));
        }
        self.collectors.push(Box::new(c));
        Ok(())
    }

    /// The registered collectors, in run order.
    pub fn describe(&self) -> Vec<CollectorRun> {
        self.collectors
            .iter()
            .map(|c| CollectorRun {
                name: c.name().to_string(),
                paths: c.paths(),
                live_only: c.live_only(),
                ran: false,
            })
            .collect()
    }

    /// Run every collector against `root`: in waves, each wave the collectors whose needs
    /// ([`Collector::needs`]) earlier waves met, run side by side on up to four threads
    /// (slow ones first); outputs are stored and listed in registration order, so the
    /// bundle does not depend on the schedule.
    pub fn collect(&self, root: &HostRoot, plan: &Plan) -> Facts {
        let mut facts = Facts::new(super::host_info(root));
        facts.catalogue = plan
            .catalogue_digest
            .clone()
            .map(|digest| super::CatalogueStamp { digest });
        let ran: Vec<bool> = self
            .collectors
            .iter()
            .map(|c| !c.live_only() || root.is_live_for(c.name()))
            .collect();
        let mut waiting: Vec<usize> = (0..self.collectors.len()).filter(|&i| ran[i]).collect();
        while !waiting.is_empty() {
            let pending: Vec<&str> = waiting.iter().map(|&i| self.collectors[i].name()).collect();
            let (mut ready, rest): (Vec<usize>, Vec<usize>) = waiting.iter().partition(|&&i| {
                self.collectors[i]
                    .needs()
                    .iter()
                    .all(|n| !pending.contains(n))
            });
            if ready.is_empty() {
                // A cycle of needs (a programming error): run the rest one after another.
                ready = rest.clone();
                for i in ready.drain(..) {
                    let produced = self.collectors[i].produce(root, plan, &facts);
                    produced(&mut facts);
                }
                break;
            }
            ready.sort_by_key(|&i| (!self.collectors[i].slow(), i));
            let mut outputs = self.run_wave(&ready, root, plan, &facts);
            outputs.sort_by_key(|(i, _)| *i);
            for (_, produced) in outputs {
                produced(&mut facts);
            }
            waiting = rest;
        }
        for (c, ran) in self.collectors.iter().zip(ran) {
            facts.collectors.push(CollectorRun {
                name: c.name().to_string(),
                paths: c.paths(),
                live_only: c.live_only(),
                ran,
            });
        }
        facts
    }

    /// Run the collectors `ready` (indices, in start order) side by side.
    fn run_wave(
        &self,
        ready: &[usize],
        root: &HostRoot,
        plan: &Plan,
        facts: &Facts,
    ) -> Vec<(usize, Produced)> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4)
            .min(ready.len());
        if threads <= 1 {
            return ready
                .iter()
                .map(|&i| (i, self.collectors[i].produce(root, plan, facts)))
                .collect();
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut out = Vec::new();
                        loop {
                            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(&i) = ready.get(k) else { break };
                            out.push((i, self.collectors[i].produce(root, plan, facts)));
                        }
                        out
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| match w.join() {
                    Ok(out) => out,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    }
}

fn strings(paths: &[&str]) -> Vec<String> {
    paths.iter().map(|s| s.to_string()).collect()
}

/// `/etc/os-release` and its fallbacks.
pub struct OsReleaseCollector;
impl FactKind for os_release::OsRelease {
    const NAME: &'static str = "os_release";
}
impl Collector for OsReleaseCollector {
    type Output = os_release::OsRelease;
    fn paths(&self) -> Vec<String> {
        strings(&["/etc/os-release", "/usr/lib/os-release"])
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        os_release::collect(root)
    }
}

/// The installed-package inventory.
pub struct PackagesCollector;
impl FactKind for packages::Inventory {
    const NAME: &'static str = "packages";
}
impl Collector for PackagesCollector {
    type Output = packages::Inventory;
    fn paths(&self) -> Vec<String> {
        strings(&[
            "/var/lib/dpkg/status",
            "/var/lib/dpkg/status.d/*",
            "/var/lib/rpm/rpmdb.sqlite",
            "/var/lib/rpm/Packages.db",
            "/var/lib/rpm/Packages",
            "/usr/lib/sysimage/rpm/*",
            "/lib/apk/db/installed",
        ])
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        packages::collect(root)
    }
}

/// systemd's daemon configuration files with their drop-ins.
pub struct SystemdConfCollector;
impl FactKind for super::systemd_conf::SystemdConf {
    const NAME: &'static str = "systemd_conf";
}
impl Collector for SystemdConfCollector {
    type Output = super::systemd_conf::SystemdConf;
    fn paths(&self) -> Vec<String> {
        super::systemd_conf::FILES
            .iter()
            .flat_map(|f| {
                [
                    format!("/etc/systemd/{f}"),
                    format!("/{{etc,run,usr/local/lib,usr/lib,lib}}/systemd/{f}.d/*.conf"),
                ]
            })
            .collect()
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::systemd_conf::collect(root)
    }
}

/// pam_limits' configuration.
pub struct LimitsCollector;
impl FactKind for super::limits::Limits {
    const NAME: &'static str = "limits";
}
impl Collector for LimitsCollector {
    type Output = super::limits::Limits;
    fn paths(&self) -> Vec<String> {
        strings(&[super::limits::LIMITS_CONF, "/etc/security/limits.d/*.conf"])
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::limits::collect(root)
    }
}

/// The sudo policy: /etc/sudoers and what it includes.
pub struct SudoersCollector;
impl FactKind for super::sudoers::Sudoers {
    const NAME: &'static str = "sudoers";
}
impl Collector for SudoersCollector {
    type Output = super::sudoers::Sudoers;
    fn paths(&self) -> Vec<String> {
        strings(&[
            super::sudoers::SUDOERS,
            "(its @include and @includedir files)",
        ])
    }
    fn needs(&self) -> &'static [&'static str] {
        &["packages"]
    }
    fn collect(&self, root: &HostRoot, plan: &Plan) -> Fact<Self::Output> {
        self.collect_after(root, plan, &Facts::new(super::host_info(root)))
    }
    fn collect_after(&self, root: &HostRoot, _: &Plan, earlier: &Facts) -> Fact<Self::Output> {
        let host = super::hostname(root).unwrap_or_default();
        let short = host.split('.').next().unwrap_or("").to_string();
        let version = earlier
            .fact::<super::packages::Inventory>()
            .ok()
            .and_then(|f| f.value())
            .and_then(|inv| inv.packages.iter().find(|p| p.name == "sudo"))
            .map(|p| p.version.clone());
        super::sudoers::collect(root, &short, version)
    }
}

/// PAM service files, included files, module files and the settings files of the modules
/// Ward judges.
pub struct PamCollector;
impl FactKind for super::pam::Pam {
    const NAME: &'static str = "pam";
}
impl Collector for PamCollector {
    type Output = super::pam::Pam;
    fn paths(&self) -> Vec<String> {
        let mut p: Vec<String> = super::pam::DIRS.iter().map(|d| format!("{d}/*")).collect();
        p.extend(
            [
                super::pam::PAM_CONF,
                "(files included by absolute path)",
                "/lib/*/security/*.so",
                "/usr/lib/*/security/*.so",
                "/usr/lib64/security/*.so",
                "/etc/security/pwquality.conf",
                "/etc/security/pwquality.conf.d/*.conf",
                super::pam::FAILLOCK_CONF,
                "(files named by pam_faillock conf=)",
                super::pam::LOGIN_DEFS,
            ]
            .map(String::from),
        );
        p
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::pam::collect(root)
    }
}

/// Kernel module configuration (modprobe.d) and the modules installed kernels ship.
pub struct ModprobeCollector;
impl FactKind for super::modprobe::Modprobe {
    const NAME: &'static str = "modprobe";
}
impl Collector for ModprobeCollector {
    type Output = super::modprobe::Modprobe;
    fn paths(&self) -> Vec<String> {
        let mut p: Vec<String> = super::modprobe::DIRS
            .iter()
            .map(|d| format!("{d}/*.conf"))
            .collect();
        p.push("/lib/modules/*/modules.dep".into());
        p.push("/lib/modules/*/modules.builtin".into());
        p.push("/proc/modules (live host)".into());
        p
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::modprobe::collect(root)
    }
}

/// OpenRC runlevel membership and, live, the services OpenRC started.
pub struct OpenRcCollector;
impl FactKind for super::openrc::OpenRc {
    const NAME: &'static str = "openrc";
}
impl Collector for OpenRcCollector {
    type Output = super::openrc::OpenRc;
    fn paths(&self) -> Vec<String> {
        let mut p: Vec<String> = super::openrc::PROGRAMS
            .iter()
            .map(|s| s.to_string())
            .collect();
        p.push(format!("{}/*", super::openrc::INIT_D));
        p.extend(
            super::openrc::BOOT_RUNLEVELS
                .iter()
                .map(|l| format!("{}/{l}/*", super::openrc::RUNLEVELS)),
        );
        p.extend(
            super::openrc::STARTED_DIRS
                .iter()
                .map(|d| format!("{d}/* (live host)")),
        );
        p
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::openrc::collect(root)
    }
}

/// Firewall managers' inbound rules (nftables, iptables-persistent, ufw, firewalld) and,
/// live, the ruleset nft lists.
pub struct FirewallCollector;
impl FactKind for super::firewall::Firewall {
    const NAME: &'static str = "firewall";
}
impl Collector for FirewallCollector {
    type Output = super::firewall::Firewall;
    fn paths(&self) -> Vec<String> {
        use super::firewall as f;
        strings(&[
            f::NFTABLES_CONF,
            f::NFTABLES_CONF_RHEL,
            f::NFTABLES_NFT_ALPINE,
            "(nftables include files)",
            f::RULES_V4,
            f::RULES_V6,
            f::UFW_CONF,
            f::UFW_DEFAULT,
            f::UFW_BEFORE,
            f::UFW_BEFORE6,
            f::FIREWALLD_CONF,
            "/etc/firewalld/zones/*.xml",
            "/usr/lib/firewalld/zones/*.xml",
            "nft -j list ruleset (live host)",
        ])
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::firewall::collect(root)
    }
}

/// Listening sockets of the running host and the processes holding them (live only).
pub struct SocketsCollector;
impl FactKind for super::sockets::Sockets {
    const NAME: &'static str = "sockets";
}
impl Collector for SocketsCollector {
    type Output = super::sockets::Sockets;
    fn paths(&self) -> Vec<String> {
        use super::sockets as s;
        let mut p: Vec<String> = s::TABLES.iter().map(|t| t.0.to_string()).collect();
        p.push(s::OWN_NAMESPACE.into());
        p.push(s::INIT_NAMESPACE.into());
        p.push("/proc/[pid]/fd/* (links only)".into());
        p.push("/proc/[pid]/comm".into());
        p
    }
    fn live_only(&self) -> bool {
        true
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::sockets::collect(root)
    }
}

/// Where the mail transfer agents (Postfix, Exim, sendmail, OpenSMTPD) would listen, from
/// their configuration.
pub struct MtaCollector;
impl FactKind for super::mta::Mta {
    const NAME: &'static str = "mta";
}
impl Collector for MtaCollector {
    type Output = super::mta::Mta;
    fn paths(&self) -> Vec<String> {
        use super::mta as m;
        let mut p = strings(&[
            m::POSTFIX_MAIN,
            m::POSTFIX_MASTER,
            m::EXIM4_CONF_CONF,
            m::EXIM4_HANDWRITTEN,
            m::EXIM4_LOCALMACROS,
            m::EXIM4_TEMPLATE,
            "/etc/exim4/conf.d/main/*",
            m::EXIM4_DEFAULT,
            m::EXIM_CONF,
            m::SENDMAIL_CF,
            m::SENDMAIL_MC,
        ]);
        p.extend(m::SMTPD_CONF.iter().map(|s| s.to_string()));
        p
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::mta::collect(root)
    }
}

/// rsyslog's configuration as rsyslogd reads it (`None` without /etc/rsyslog.conf).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RsyslogConf(pub Fact<Option<super::rsyslog::Rsyslog>>);
impl FactKind for RsyslogConf {
    const NAME: &'static str = "rsyslog";
}
/// Collects [`RsyslogConf`].
pub struct RsyslogCollector;
impl Collector for RsyslogCollector {
    type Output = RsyslogConf;
    fn paths(&self) -> Vec<String> {
        let mut p = vec![
            super::rsyslog::RSYSLOG_CONF.to_string(),
            "($IncludeConfig and include() files)".into(),
        ];
        p.extend(
            super::rsyslog::MODULE_DIRS
                .iter()
                .map(|d| format!("{d}/*.so")),
        );
        p
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<RsyslogConf> {
        Fact::Collected {
            value: RsyslogConf(super::rsyslog::collect(root)),
        }
    }
}

/// TLS certificates and private key files: those servers load (nginx, Apache httpd,
/// Postfix) and those in the usual directories.
pub struct TlsCollector;
impl FactKind for super::tls::Tls {
    const NAME: &'static str = "tls";
}
impl Collector for TlsCollector {
    type Output = super::tls::Tls;
    fn paths(&self) -> Vec<String> {
        use super::tls as t;
        let mut p = vec![t::servers::NGINX_CONF.to_string()];
        p.extend(t::servers::APACHE_CONFS.iter().map(|(c, _)| c.to_string()));
        p.push(t::servers::POSTFIX_MAIN.into());
        p.push("(their include files and the certificate and key files they name)".into());
        p.extend(
            t::CERT_DIRS
                .iter()
                .map(|d| format!("{d}/*.{{pem,crt,cer,der,cert}}")),
        );
        p.extend(t::LETSENCRYPT_CERTS.iter().map(|s| s.to_string()));
        p.extend(t::KEY_DIRS.iter().map(|d| format!("{d}/* (metadata only)")));
        p.extend(
            t::LETSENCRYPT_KEYS
                .iter()
                .map(|s| format!("{s} (metadata only)")),
        );
        p
    }
    fn needs(&self) -> &'static [&'static str] {
        &["accounts"]
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::tls::collect(root, &accounts::collect(root))
    }
    fn collect_after(&self, root: &HostRoot, plan: &Plan, earlier: &Facts) -> Fact<Self::Output> {
        match earlier.fact::<accounts::Accounts>() {
            Ok(acc) => super::tls::collect(root, acc),
            Err(_) => self.collect(root, plan),
        }
    }
}

/// syslog-ng's destinations and log paths (`None` without its configuration).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SyslogNgConf(pub Fact<Option<super::syslog_ng::SyslogNg>>);
impl FactKind for SyslogNgConf {
    const NAME: &'static str = "syslog_ng";
}
/// Collects [`SyslogNgConf`].
pub struct SyslogNgCollector;
impl Collector for SyslogNgCollector {
    type Output = SyslogNgConf;
    fn paths(&self) -> Vec<String> {
        strings(&[super::syslog_ng::SYSLOG_NG_CONF, "(its @include files)"])
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<SyslogNgConf> {
        Fact::Collected {
            value: SyslogNgConf(super::syslog_ng::collect(root)),
        }
    }
}

/// logrotate's configuration (`None` without /etc/logrotate.conf).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LogrotateConf(pub Fact<Option<super::logrotate::Logrotate>>);
impl FactKind for LogrotateConf {
    const NAME: &'static str = "logrotate";
}
/// Collects [`LogrotateConf`].
pub struct LogrotateCollector;
impl Collector for LogrotateCollector {
    type Output = LogrotateConf;
    fn paths(&self) -> Vec<String> {
        strings(&[
            super::logrotate::LOGROTATE_CONF,
            "(its include files and directories)",
        ])
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<LogrotateConf> {
        Fact::Collected {
            value: LogrotateConf(super::logrotate::collect(root)),
        }
    }
}

/// Modes of the files under /var/log.
pub struct LogFilesCollector;
impl FactKind for super::log_files::LogFiles {
    const NAME: &'static str = "log_files";
}
impl Collector for LogFilesCollector {
    type Output = super::log_files::LogFiles;
    fn paths(&self) -> Vec<String> {
        strings(&["/var/log (every entry, metadata only, bounded)"])
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::log_files::collect(root)
    }
}

/// dm-crypt volumes opened at boot (crypttab), LVM on top of them, and, live, which
/// mounted file systems sit on dm-crypt.
pub struct DiskEncryptionCollector;
impl FactKind for super::crypttab::DiskEncryption {
    const NAME: &'static str = "disk_encryption";
}
impl Collector for DiskEncryptionCollector {
    type Output = super::crypttab::DiskEncryption;
    fn paths(&self) -> Vec<String> {
        use super::crypttab as c;
        vec![
            c::CRYPTTAB.into(),
            c::DMCRYPT_ALPINE.into(),
            format!("{}/*", c::LVM_BACKUP),
            format!("{} (live host)", c::MOUNTINFO),
            "/sys/block/*/dm/{name,uuid}, /sys/block/*/slaves, /sys/dev/block/* (live host)".into(),
        ]
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::crypttab::collect(root)
    }
}

/// OpenSSL's system-wide configuration and RHEL's crypto-policies.
pub struct CryptoPolicyCollector;
impl FactKind for super::crypto_policy::CryptoPolicy {
    const NAME: &'static str = "crypto_policy";
}
impl Collector for CryptoPolicyCollector {
    type Output = super::crypto_policy::CryptoPolicy;
    fn paths(&self) -> Vec<String> {
        use super::crypto_policy as c;
        let mut p: Vec<String> = c::OPENSSL_CNF.iter().map(|s| s.to_string()).collect();
        p.push("(files its .include lines name)".into());
        p.push(c::CRYPTO_POLICIES_CONFIG.into());
        p.push(c::CRYPTO_POLICIES_CURRENT.into());
        p
    }
    fn needs(&self) -> &'static [&'static str] {
        &["os_release"]
    }
    fn collect(&self, root: &HostRoot, plan: &Plan) -> Fact<Self::Output> {
        self.collect_after(root, plan, &Facts::new(super::host_info(root)))
    }
    fn collect_after(&self, root: &HostRoot, _: &Plan, earlier: &Facts) -> Fact<Self::Output> {
        let os = match earlier.fact::<os_release::OsRelease>() {
            Ok(Fact::Collected { value }) => Some(value.clone()),
            _ => os_release::collect(root).value().cloned(),
        };
        let family = os
            .as_ref()
            .map(|o| super::crypto_policy::family(o.id.as_deref(), &o.id_like))
            .unwrap_or("other");
        super::crypto_policy::collect(root, family)
    }
}

/// NTP daemons' configured time sources (chrony, timesyncd, ntpd, OpenNTPD).
pub struct TimeSyncCollector;
impl FactKind for super::timesync::TimeSync {
    const NAME: &'static str = "timesync";
}
impl Collector for TimeSyncCollector {
    type Output = super::timesync::TimeSync;
    fn paths(&self) -> Vec<String> {
        use super::timesync as t;
        let mut p: Vec<String> = t::CHRONY_CONF.iter().map(|s| s.to_string()).collect();
        p.push("(chrony include, confdir and sourcedir files)".into());
        p.push(t::TIMESYNCD_CONF.into());
        p.extend(
            t::TIMESYNCD_DROPIN_DIRS
                .iter()
                .map(|d| format!("{d}/*.conf")),
        );
        p.extend(t::NTP_CONF.iter().map(|s| s.to_string()));
        p.extend(t::OPENNTPD_CONF.iter().map(|s| s.to_string()));
        p
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        Fact::Collected {
            value: super::timesync::collect(root),
        }
    }
}

/// ClamAV signature database headers.
pub struct ClamAvCollector;
impl FactKind for super::clamav::ClamAv {
    const NAME: &'static str = "clamav";
}
impl Collector for ClamAvCollector {
    type Output = super::clamav::ClamAv;
    fn paths(&self) -> Vec<String> {
        let mut p: Vec<String> = super::clamav::FRESHCLAM_CONF
            .iter()
            .map(|s| s.to_string())
            .collect();
        p.push(format!("{}/*.cvd", super::clamav::DEFAULT_DIR));
        p.push(format!("{}/*.cld", super::clamav::DEFAULT_DIR));
        p
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::clamav::collect(root)
    }
}

/// Mount points and their options: fstab, systemd mount units, the running table.
/// auditd's configuration and the audit rules the boot loads.
pub struct AuditCollector;
impl FactKind for super::audit::Audit {
    const NAME: &'static str = "audit";
}
impl Collector for AuditCollector {
    type Output = super::audit::Audit;
    fn paths(&self) -> Vec<String> {
        vec![
            super::audit::AUDITD_CONF.into(),
            super::audit::AUDIT_RULES.into(),
            format!("{}/*.rules", super::audit::RULES_D),
            "auditd.service, audit-rules.service (ExecStartPost)".into(),
            format!("{} -l (live host)", super::audit::AUDITCTL),
        ]
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::audit::collect(root)
    }
}

pub struct MountsCollector;
impl FactKind for super::mounts::Mounts {
    const NAME: &'static str = "mounts";
}
impl Collector for MountsCollector {
    type Output = super::mounts::Mounts;
    fn paths(&self) -> Vec<String> {
        let mut p = vec![super::mounts::FSTAB.to_string()];
        p.extend(
            systemd::UNIT_DIRS
                .iter()
                .flat_map(|d| [format!("{d}/*.mount"), format!("{d}/*.mount.d/*.conf")]),
        );
        p.push(super::mounts::OPENRC_DEVFS.into());
        p.push(format!("{} (live host)", super::mounts::PROC_MOUNTS));
        p
    }
    fn needs(&self) -> &'static [&'static str] {
        &["systemd"]
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::mounts::collect(root, None)
    }
    fn collect_after(&self, root: &HostRoot, _: &Plan, earlier: &Facts) -> Fact<Self::Output> {
        super::mounts::collect(root, earlier.fact::<systemd::Units>().ok())
    }
}

/// Updates waiting in the package manager's indexes (apt lists, dnf metadata), compared
/// with the inventory.
pub struct PendingUpdatesCollector;
impl FactKind for packages::apt_lists::Pending {
    const NAME: &'static str = "pending_updates";
}
impl Collector for PendingUpdatesCollector {
    type Output = packages::apt_lists::Pending;
    fn paths(&self) -> Vec<String> {
        strings(&[
            "/var/lib/apt/lists/*_Packages",
            "/var/lib/apt/lists/*Release",
            "/var/lib/apt/periodic/update-success-stamp",
            "/var/lib/apt/periodic/update-stamp",
            "/var/cache/dnf/*/repodata/*",
            "/var/cache/libdnf5/*/repodata/*",
            "/var/cache/yum/*/*/*/*",
            "/var/cache/apk/APKINDEX.*.tar.gz",
        ])
    }
    fn needs(&self) -> &'static [&'static str] {
        &["packages"]
    }
    fn slow(&self) -> bool {
        true
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        pending_from(root, &packages::collect(root))
    }
    fn collect_after(&self, root: &HostRoot, plan: &Plan, earlier: &Facts) -> Fact<Self::Output> {
        match earlier.fact::<packages::Inventory>() {
            Ok(inventory) => pending_from(root, inventory),
            Err(_) => self.collect(root, plan),
        }
    }
}

fn pending_from(
    root: &HostRoot,
    inventory: &Fact<packages::Inventory>,
) -> Fact<packages::apt_lists::Pending> {
    match inventory {
        Fact::Collected { value } => match value.format {
            packages::PackageFormat::Dpkg => packages::apt_lists::collect(root, value),
            packages::PackageFormat::Rpm => packages::dnf_metadata::collect(root, value),
            packages::PackageFormat::Apk => packages::apk_index::collect(root, value),
        },
        Fact::Error { reason, .. } => Fact::error(format!(
            "pending updates need the package inventory, which was not collected: {reason}"
        )),
    }
}

/// passwd, shadow, group and gshadow (hashes reduced to their algorithm).
pub struct AccountsCollector;
impl FactKind for accounts::Accounts {
    const NAME: &'static str = "accounts";
}
impl Collector for AccountsCollector {
    type Output = accounts::Accounts;
    fn paths(&self) -> Vec<String> {
        strings(&["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow"])
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        accounts::collect(root)
    }
}

/// `/etc/login.defs`, whole (it holds no secrets).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LoginDefs(pub keyvalue::KeyValues);
impl FactKind for LoginDefs {
    const NAME: &'static str = "login_defs";
}
/// Collects [`LoginDefs`].
pub struct LoginDefsCollector;
impl Collector for LoginDefsCollector {
    type Output = LoginDefs;
    fn paths(&self) -> Vec<String> {
        strings(&["/etc/login.defs"])
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<LoginDefs> {
        match keyvalue::read_login_defs(root, "/etc/login.defs") {
            Ok(kv) => Fact::Collected {
                value: LoginDefs(kv),
            },
            Err(e) => Fact::from_read_error(&e),
        }
    }
}

/// The effective sshd configuration.
pub struct SshdCollector;
impl FactKind for sshd::SshdConfig {
    const NAME: &'static str = "sshd";
}
impl Collector for SshdCollector {
    type Output = sshd::SshdConfig;
    fn paths(&self) -> Vec<String> {
        strings(&["/etc/ssh/sshd_config", "(its Include files)"])
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        sshd::collect(root)
    }
}

/// Kernel parameters as configured and, on the live host, running.
pub struct SysctlCollector;
impl FactKind for sysctl::Sysctl {
    const NAME: &'static str = "sysctl";
}
impl Collector for SysctlCollector {
    type Output = sysctl::Sysctl;
    fn paths(&self) -> Vec<String> {
        let mut p: Vec<String> = sysctl::SYSCTL_DIRS
            .iter()
            .map(|d| format!("{d}/*.conf"))
            .collect();
        p.push(sysctl::SYSCTL_CONF.to_string());
        p.push("/proc/sys (live host)".to_string());
        p
    }
    fn collect(&self, root: &HostRoot, plan: &Plan) -> Fact<Self::Output> {
        sysctl::collect(root, &plan.sysctl_keys)
    }
}

/// systemd unit files and their enablement.
pub struct SystemdCollector;
impl FactKind for systemd::Units {
    const NAME: &'static str = "systemd";
}
impl Collector for SystemdCollector {
    type Output = systemd::Units;
    fn paths(&self) -> Vec<String> {
        systemd::UNIT_DIRS.iter().map(|d| d.to_string()).collect()
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        systemd::collect(root)
    }
}

/// Metadata of the files the catalogue plans, keyed by planned path (or glob).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FileStats(pub BTreeMap<String, Fact<files::FileSet>>);
impl FactKind for FileStats {
    const NAME: &'static str = "files";
}
/// Collects [`FileStats`].
pub struct FilesCollector;
impl Collector for FilesCollector {
    type Output = FileStats;
    fn paths(&self) -> Vec<String> {
        strings(&["(the paths of the catalogue's file probes)"])
    }
    fn needs(&self) -> &'static [&'static str] {
        &["accounts"]
    }
    fn collect(&self, root: &HostRoot, plan: &Plan) -> Fact<FileStats> {
        Fact::Collected {
            value: FileStats(files::collect_stats(root, &plan.files)),
        }
    }
    fn collect_after(&self, root: &HostRoot, plan: &Plan, earlier: &Facts) -> Fact<FileStats> {
        // Owner names from the accounts collector's parse when it ran, else parse here.
        let value = match earlier.fact::<accounts::Accounts>() {
            Ok(accounts) => files::collect_stats_with(root, &plan.files, accounts),
            Err(_) => files::collect_stats(root, &plan.files),
        };
        Fact::Collected {
            value: FileStats(value),
        }
    }
}

/// Metadata of the home directory of every passwd entry.
pub struct HomeDirsCollector;
impl FactKind for super::walk::Homes {
    const NAME: &'static str = "home_dirs";
}
impl Collector for HomeDirsCollector {
    type Output = super::walk::Homes;
    fn paths(&self) -> Vec<String> {
        strings(&["/etc/passwd", "(the home directory of each account)"])
    }
    fn needs(&self) -> &'static [&'static str] {
        &["accounts"]
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::walk::collect_homes(root, &accounts::collect(root))
    }
    fn collect_after(&self, root: &HostRoot, plan: &Plan, earlier: &Facts) -> Fact<Self::Output> {
        match earlier.fact::<accounts::Accounts>() {
            Ok(acc) => super::walk::collect_homes(root, acc),
            Err(_) => self.collect(root, plan),
        }
    }
}

/// One bounded walk of the whole tree: world-writable, unowned and set-id files.
#[derive(Default)]
pub struct FilesystemWalkCollector {
    /// Depth, entry and time bounds.
    pub limits: super::walk::WalkLimits,
}
impl FactKind for super::walk::Walk {
    const NAME: &'static str = "filesystem_walk";
}
impl Collector for FilesystemWalkCollector {
    type Output = super::walk::Walk;
    fn paths(&self) -> Vec<String> {
        strings(&[
            "/ (every directory, metadata only; /proc, /sys, /dev, /run and, live, other mounts skipped)",
            "/etc/passwd",
            "/etc/group",
        ])
    }
    fn needs(&self) -> &'static [&'static str] {
        &["accounts"]
    }
    fn slow(&self) -> bool {
        true
    }
    fn collect(&self, root: &HostRoot, _: &Plan) -> Fact<Self::Output> {
        super::walk::collect(root, self.limits, &accounts::collect(root))
    }
    fn collect_after(&self, root: &HostRoot, plan: &Plan, earlier: &Facts) -> Fact<Self::Output> {
        match earlier.fact::<accounts::Accounts>() {
            Ok(acc) => super::walk::collect(root, self.limits, acc),
            Err(_) => self.collect(root, plan),
        }
    }
}

/// Lines matching the catalogue's line probes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LineMatches(pub Vec<files::LinesFact>);
impl FactKind for LineMatches {
    const NAME: &'static str = "lines";
}
/// Collects [`LineMatches`].
pub struct LinesCollector;
impl Collector for LinesCollector {
    type Output = LineMatches;
    fn paths(&self) -> Vec<String> {
        strings(&["(the paths of the catalogue's line probes)"])
    }
    fn collect(&self, root: &HostRoot, plan: &Plan) -> Fact<LineMatches> {
        Fact::Collected {
            value: LineMatches(
                plan.lines
                    .iter()
                    .map(|q| files::collect_lines(root, q))
                    .collect(),
            ),
        }
    }
}

/// Keys of key/value files the catalogue's config probes ask for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConfigValues(pub Vec<keyvalue::ConfigFact>);
impl FactKind for ConfigValues {
    const NAME: &'static str = "configs";
}
/// Collects [`ConfigValues`].
pub struct ConfigsCollector;
impl Collector for ConfigsCollector {
    type Output = ConfigValues;
    fn paths(&self) -> Vec<String> {
        strings(&["(the paths of the catalogue's config probes)"])
    }
    fn collect(&self, root: &HostRoot, plan: &Plan) -> Fact<ConfigValues> {
        Fact::Collected {
            value: ConfigValues(
                plan.configs
                    .iter()
                    .map(|q| keyvalue::collect(root, q))
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_names_are_unique() {
        let r = Registry::builtin();
        let names: Vec<String> = r.describe().into_iter().map(|c| c.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "{names:?}");
        assert_eq!(names.len(), 33);
    }

    #[test]
    fn needs_name_collectors_registered_before() {
        let r = Registry::builtin();
        for (i, c) in r.collectors.iter().enumerate() {
            for need in c.needs() {
                let at = r.collectors.iter().position(|x| x.name() == *need);
                assert!(
                    at.is_some_and(|at| at < i),
                    "{} needs {need}, which is not registered before it",
                    c.name()
                );
            }
        }
    }
}
