//! System-wide cryptography: OpenSSL's default TLS floor (`openssl`), RHEL's
//! crypto-policies (`crypto_policy`) and disk encryption (`disk_encryption`).
//!
//! The OpenSSL floor depends on the library as much as on the file: OpenSSL 3 refuses
//! every version below TLS 1.2 at security level 1 or more (SHA-1 and MD5 based handshake
//! signatures count as too weak), OpenSSL 1.1 only from level 3 (TLS 1.0) and 4 (TLS 1.1).
//! So the probe judges the configuration once for each library generation the package
//! inventory shows (libssl3, libssl1.1, RHEL's openssl-libs by version) and passes only
//! when every one of them stays at or above the minimum. The compiled-in security level is
//! Debian's and Ubuntu's 2, upstream's 1 elsewhere (RHEL sets its own through
//! crypto-policies in the file).

use crate::catalogue::test::{CryptoPolicyTest, DiskEncryptionTest, OpensslTest};
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::crypto_policy::{effective, family, CryptoPolicy, Library, TlsVersion};
use crate::facts::os_release::OsRelease;
use crate::facts::packages::Inventory;
use crate::facts::{Fact, Facts};

/// The OpenSSL library generations installed, with the package that shows each.
fn libraries(inv: &Inventory) -> Vec<(Result<Library, String>, String)> {
    let mut out = Vec::new();
    for p in &inv.packages {
        let version = p
            .version
            .split_once(':')
            .map(|(_, v)| v)
            .unwrap_or(&p.version);
        let lib = match p.name.as_str() {
            "libssl3" | "libssl3t64" => Ok(Library::V3),
            "libssl1.1" => Ok(Library::V1_1),
            "libssl1.0.0" | "libssl1.0.2" | "libssl1.0" => Err(format!(
                "{} {}: OpenSSL 1.0 has no system-wide TLS settings at all",
                p.name, p.version
            )),
            "openssl-libs" | "openssl3-libs" if version.starts_with("3.") => Ok(Library::V3),
            "openssl-libs" | "openssl11-libs" if version.starts_with("1.1") => Ok(Library::V1_1),
            "openssl-libs" => Err(format!(
                "{} {}: an OpenSSL generation Ward does not model",
                p.name, p.version
            )),
            _ => continue,
        };
        out.push((lib, format!("{} {}", p.name, p.version)));
    }
    out
}

pub(super) fn openssl(t: &OpensslTest, facts: &Facts) -> Verdict {
    let cp = collected!(facts => CryptoPolicy, EvidenceSource::collector("OpenSSL configuration"));
    let inv = collected!(facts => Inventory, EvidenceSource::collector("package inventory"));
    let min = match t.min_protocol.value() {
        Ok(m) => m,
        Err(e) => return Verdict::error(EvidenceSource::catalogue(), e, false),
    };
    let Ok(Some(min_v)) = TlsVersion::from_openssl(min) else {
        return Verdict::error(
            EvidenceSource::catalogue(),
            format!("min_protocol {min:?} is not a TLS version"),
            false,
        );
    };
    let conf = &cp.openssl;
    let libs = libraries(inv);
    if libs.is_empty() {
        return Verdict::with(
            Outcome::NotApplicable,
            "no OpenSSL library is installed",
            vec![Evidence::new(
                EvidenceSource::file(inv.database.clone(), None),
                "no libssl3, libssl1.1 or openssl-libs package",
                "an installed OpenSSL library",
            )],
        );
    }
    let debian = facts
        .get::<OsRelease>()
        .map(|o| family(o.id.as_deref(), &o.id_like) == "debian")
        .unwrap_or(false);
    let default_level = if debian { 2 } else { 1 };
    let src = EvidenceSource::file(conf.path.clone(), None);
    let mut evidence = Vec::new();
    let expected = format!("every OpenSSL library negotiates {min} or higher only");
    if !conf.present {
        evidence.push(Evidence::new(
            src.clone(),
            format!("{} does not exist: the library's defaults apply", conf.path),
            expected.clone(),
        ));
    }
    if let Some(r) = &conf.refused {
        evidence.push(Evidence::new(
            src.clone(),
            format!(
                "OpenSSL refuses the file ({r}): none of it applies, the library's defaults do"
            ),
            expected.clone(),
        ));
    }
    if let Some(f) = &conf.module_failure {
        evidence.push(Evidence::new(src.clone(), f.clone(), expected.clone()));
    }
    for n in &conf.notes {
        evidence.push(Evidence::new(src.clone(), n.clone(), expected.clone()));
    }
    let mut failed = false;
    let mut unknown: Vec<String> = conf.problems.clone();
    for (lib, package) in &libs {
        let lib = match lib {
            Ok(l) => *l,
            Err(why) => {
                failed = true;
                evidence.push(Evidence::new(
                    EvidenceSource::file(inv.database.clone(), None),
                    why.clone(),
                    expected.clone(),
                ));
                continue;
            }
        };
        let e = effective(conf, lib, default_level);
        if let Some(why) = &e.context_fails {
            unknown.push(why.clone());
            continue;
        }
        for s in &e.skipped {
            evidence.push(Evidence::new(src.clone(), s.clone(), expected.clone()));
        }
        let min_text = match &e.min_protocol {
            Some((v, o)) => format!("MinProtocol {} ({o})", v.name()),
            None => "no MinProtocol".to_string(),
        };
        let level_text = match &e.security_level {
            (l, Some(o)) => format!("security level {l} (@SECLEVEL at {o})"),
            (l, None) => format!(
                "security level {l} (compiled-in default{})",
                if debian { ", Debian" } else { "" }
            ),
        };
        let lowest = e.lowest.map(TlsVersion::name).unwrap_or("none");
        let generation = match lib {
            Library::V3 => "OpenSSL 3",
            Library::V1_1 => "OpenSSL 1.1",
        };
        let observed = format!(
            "{package} ({generation}): {min_text}, {level_text}{}: lowest version negotiated {lowest}",
            if e.disabled.is_empty() {
                String::new()
            } else {
                format!(
                    ", Protocol disables {}",
                    e.disabled.iter().map(|v| v.name()).collect::<Vec<_>>().join(" ")
                )
            }
        );
        let ok = e.lowest.is_none_or(|l| l >= min_v);
        failed |= !ok;
        let source = e
            .min_protocol
            .as_ref()
            .map(|(_, o)| EvidenceSource::origin(o))
            .or_else(|| e.security_level.1.as_ref().map(EvidenceSource::origin))
            .unwrap_or_else(|| EvidenceSource::default_of(format!("{generation} defaults")));
        evidence.push(Evidence::new(source, observed, expected.clone()));
    }
    if failed {
        return Verdict::fail(
            format!("OpenSSL-linked programs can negotiate a TLS version below {min}"),
            evidence,
        );
    }
    if !unknown.is_empty() {
        for u in &unknown {
            evidence.push(Evidence::new(src.clone(), u.clone(), expected.clone()));
        }
        return Verdict::with(
            Outcome::Error,
            format!(
                "the effective OpenSSL settings are not certain: {}",
                unknown.join("; ")
            ),
            evidence,
        );
    }
    Verdict::pass(
        format!("OpenSSL-linked programs negotiate {min} or higher only"),
        evidence,
    )
}

pub(super) fn crypto_policy(t: &CryptoPolicyTest, facts: &Facts) -> Verdict {
    let cp = collected!(facts => CryptoPolicy, EvidenceSource::collector("crypto-policies"));
    let (policies, forbidden) = match (t.policies.value(), t.forbidden_modules.value()) {
        (Ok(p), Ok(f)) => (p, f),
        (Err(e), _) | (_, Err(e)) => return Verdict::error(EvidenceSource::catalogue(), e, false),
    };
    let Some(sp) = &cp.system_policy else {
        return Verdict::with(
            Outcome::NotApplicable,
            "the host has no crypto-policies configuration",
            vec![Evidence::new(
                EvidenceSource::file(crate::facts::crypto_policy::CRYPTO_POLICIES_CONFIG, None),
                "does not exist",
                "RHEL's crypto-policies",
            )],
        );
    };
    let expected = format!(
        "one of {} without {}",
        policies.join(", "),
        forbidden.join(", ")
    );
    let mut evidence = Vec::new();
    let mut failed = false;
    for (what, setting) in [("configured", &sp.config), ("applied", &sp.current)] {
        let Some(s) = setting else { continue };
        let policy_ok = policies.iter().any(|p| p.eq_ignore_ascii_case(&s.policy));
        let bad: Vec<&String> = s
            .modules
            .iter()
            .filter(|m| forbidden.iter().any(|f| f.eq_ignore_ascii_case(m)))
            .collect();
        failed |= !policy_ok || !bad.is_empty();
        let full = std::iter::once(s.policy.clone())
            .chain(s.modules.iter().cloned())
            .collect::<Vec<_>>()
            .join(":");
        evidence.push(Evidence::new(
            EvidenceSource::origin(&s.origin),
            format!("{what} policy {full}"),
            expected.clone(),
        ));
    }
    if let (Some(c), Some(a)) = (&sp.config, &sp.current) {
        if c.policy != a.policy || c.modules != a.modules {
            evidence.push(Evidence::new(
                EvidenceSource::file(crate::facts::crypto_policy::CRYPTO_POLICIES_CURRENT, None),
                "the configured policy is not the one applied: run update-crypto-policies --set",
                expected.clone(),
            ));
        }
    }
    if failed {
        return Verdict::fail(
            "the system crypto policy allows legacy algorithms",
            evidence,
        );
    }
    if !sp.problems.is_empty() || evidence.is_empty() {
        let reason = if sp.problems.is_empty() {
            "no policy is named".to_string()
        } else {
            sp.problems.join("; ")
        };
        return Verdict::with(Outcome::Error, reason, evidence);
    }
    Verdict::pass("the system crypto policy is not a legacy one", evidence)
}

/// The mount that holds `path`'s data: the path's own mount, else its nearest parent's.
fn holding_mount(
    mounts: &crate::facts::mounts::Mounts,
    path: &str,
) -> Result<(String, Option<crate::facts::mounts::Mounted>, Vec<String>), String> {
    let mut p = crate::facts::mounts::normalise(path);
    loop {
        let r = mounts.configured(&p)?;
        if r.mounted.is_some() || p == "/" {
            return Ok((p, r.mounted, r.notes));
        }
        p = match p.rsplit_once('/') {
            Some(("", _)) | None => "/".to_string(),
            Some((parent, _)) => parent.to_string(),
        };
    }
}

pub(super) fn disk_encryption(t: &DiskEncryptionTest, facts: &Facts) -> Verdict {
    use crate::facts::crypttab::{lvm_mapper_name, DiskEncryption};
    let de = collected!(facts => DiskEncryption, EvidenceSource::collector("disk encryption"));
    let points = match t.mount_points.value() {
        Ok(p) => p,
        Err(e) => return Verdict::error(EvidenceSource::catalogue(), e, false),
    };
    let expected = "the file system on a dm-crypt volume".to_string();
    let mut evidence = Vec::new();
    let (mut failed, mut errors) = (Vec::new(), Vec::new());
    for i in &de.ignored {
        evidence.push(Evidence::new(
            EvidenceSource::origin(&i.origin),
            i.reason.clone(),
            "a crypttab line systemd reads",
        ));
    }
    for point in points {
        // Live: the running mount table and the block device stack.
        if let Some(live) = &de.live {
            let live = match live {
                Ok(l) => l,
                Err(e) => {
                    errors.push(point.clone());
                    evidence.push(Evidence::new(
                        EvidenceSource::runtime("/sys/block"),
                        e.clone(),
                        expected.clone(),
                    ));
                    continue;
                }
            };
            let target = crate::facts::mounts::normalise(point);
            let m = live
                .mounts
                .iter()
                .filter(|m| {
                    let t = crate::facts::mounts::normalise(&m.target);
                    t == target || t == "/" || target.starts_with(&format!("{t}/"))
                })
                .max_by_key(|m| (m.target.len(), m.origin.line));
            let Some(m) = m else {
                errors.push(point.clone());
                evidence.push(Evidence::new(
                    EvidenceSource::runtime(crate::facts::crypttab::MOUNTINFO),
                    format!("{point}: no mount holds it"),
                    expected.clone(),
                ));
                continue;
            };
            let src = EvidenceSource::origin(&m.origin);
            if let Some(e) = &m.error {
                errors.push(point.clone());
                evidence.push(Evidence::new(
                    src,
                    format!("{point} is on {} ({}): {e}", m.target, m.source),
                    expected.clone(),
                ));
            } else if m.crypt.is_empty() {
                failed.push(point.clone());
                evidence.push(Evidence::new(
                    src,
                    format!(
                        "{point} is on {} ({} {}), device stack {}: no dm-crypt",
                        m.target,
                        m.fstype,
                        m.source,
                        m.stack.join(" → ")
                    ),
                    expected.clone(),
                ));
            } else {
                evidence.push(Evidence::new(
                    src,
                    format!(
                        "{point} is on {} ({} {}), device stack {}: dm-crypt {}",
                        m.target,
                        m.fstype,
                        m.source,
                        m.stack.join(" → "),
                        m.crypt.join(", ")
                    ),
                    expected.clone(),
                ));
            }
            continue;
        }
        // Offline: what the boot mounts, and whether that device is a crypttab mapping.
        let mounts = collected!(facts => crate::facts::mounts::Mounts, EvidenceSource::collector("mount configuration"));
        let (on, mounted, _notes) = match holding_mount(mounts, point) {
            Ok(x) => x,
            Err(e) => {
                errors.push(point.clone());
                evidence.push(Evidence::new(
                    EvidenceSource::file(crate::facts::mounts::FSTAB, None),
                    e,
                    expected.clone(),
                ));
                continue;
            }
        };
        let Some(mounted) = mounted else {
            failed.push(point.clone());
            evidence.push(Evidence::new(
                EvidenceSource::file(crate::facts::mounts::FSTAB, None),
                format!("{point}: nothing the boot mounts holds it (no fstab entry or mount unit for {on}); the device is unknown"),
                expected.clone(),
            ));
            continue;
        };
        let src = EvidenceSource::origin(&mounted.origin);
        let dev = mounted.source.as_str();
        let mapper = dev
            .strip_prefix("/dev/mapper/")
            .map(str::to_string)
            .or_else(|| {
                // /dev/VG/LV
                let rest = dev.strip_prefix("/dev/")?;
                let (vg, lv) = rest.split_once('/')?;
                de.volume_groups
                    .iter()
                    .any(|g| g.name == vg)
                    .then(|| lvm_mapper_name(vg, lv))
            });
        let shown = format!(
            "{point} is on {on} ({} {dev}, {})",
            mounted.fstype, mounted.origin
        );
        let Some(name) = mapper else {
            failed.push(point.clone());
            evidence.push(Evidence::new(
                src,
                format!("{shown}: not a device-mapper volume, so not shown to be encrypted"),
                expected.clone(),
            ));
            continue;
        };
        if let Some(e) = de.entry(&name) {
            evidence.push(Evidence::new(
                EvidenceSource::origin(&e.origin),
                format!(
                    "{shown}: /dev/mapper/{name} is opened by crypttab from {} ({})",
                    e.device,
                    if e.options.is_empty() {
                        "no options".to_string()
                    } else {
                        e.options.join(",")
                    }
                ),
                expected.clone(),
            ));
            continue;
        }
        let vg = de.volume_groups.iter().find(|g| {
            g.logical_volumes
                .iter()
                .any(|lv| lvm_mapper_name(&g.name, lv) == name)
        });
        let Some(vg) = vg else {
            failed.push(point.clone());
            evidence.push(Evidence::new(src, format!("{shown}: /dev/mapper/{name} is neither a crypttab mapping nor a logical volume of a volume group in {}", crate::facts::crypttab::LVM_BACKUP), expected.clone()));
            continue;
        };
        let pvs: Vec<(String, bool)> = vg
            .physical_volumes
            .iter()
            .map(|pv| {
                let enc = pv
                    .strip_prefix("/dev/mapper/")
                    .is_some_and(|n| de.entry(n).is_some());
                (pv.clone(), enc)
            })
            .collect();
        let all = !pvs.is_empty() && pvs.iter().all(|(_, e)| *e);
        let listed = pvs
            .iter()
            .map(|(p, e)| {
                format!(
                    "{p}{}",
                    if *e {
                        " (crypttab)"
                    } else {
                        " (not in crypttab)"
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let observed = format!(
            "{shown}: logical volume of {} ({}) on {listed}",
            vg.name, vg.origin
        );
        if !all {
            failed.push(point.clone());
        }
        evidence.push(Evidence::new(
            EvidenceSource::origin(&vg.origin),
            observed,
            expected.clone(),
        ));
    }
    if !de.problems.is_empty() && failed.is_empty() {
        for p in &de.problems {
            evidence.push(Evidence::new(
                EvidenceSource::collector("disk encryption"),
                p.clone(),
                expected.clone(),
            ));
        }
        return Verdict::with(Outcome::Error, de.problems.join("; "), evidence);
    }
    if !failed.is_empty() {
        return Verdict::fail(
            format!(
                "not shown to be on an encrypted volume: {}",
                failed.join(", ")
            ),
            evidence,
        );
    }
    if !errors.is_empty() {
        return Verdict::with(
            Outcome::Error,
            format!("could not tell what holds {}", errors.join(", ")),
            evidence,
        );
    }
    Verdict::pass(
        format!("on dm-crypt volumes: {}", points.join(", ")),
        evidence,
    )
}
