//! One evaluator per probe kind, one module per kind. Each reads only the facts bundle and
//! returns a verdict with evidence; a missing or failed fact is `error`, never `pass`. This
//! module dispatches on the test and holds what the kinds share: unwrapping a collector's
//! output, comparing a value, and judging it with its evidence source.

use super::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::catalogue::test::{Compare, Test, WhenMissing};

pub(super) fn evaluate(test: &Test, inputs: super::Inputs) -> Verdict {
    let facts = inputs.facts;
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
        Test::Vulnerabilities(t) => software::vulnerabilities(t, &inputs),
        Test::EndOfLife(t) => software::end_of_life(t, &inputs),
        Test::PendingUpdates(t) => software::pending_updates(t, &inputs),
        Test::PackageMetadata(t) => software::package_metadata(t, &inputs),
        Test::KernelModule(t) => kernel_module(t, facts),
        Test::Pam(t) => pam::pam(t, facts),
        Test::Mount(t) => mount(t, facts),
        Test::Sudo(t) => sudo::sudo(t, facts),
        Test::SystemdConfig(t) => daemon_conf::systemd_config(t, facts),
        Test::Limits(t) => daemon_conf::limits(t, facts),
        Test::TimeSync(t) => time::time_sync(t, facts),
        Test::MalwareSignatures(t) => malware::malware_signatures(t, &inputs),
        Test::AuditRule(t) => audit::audit_rule(t, facts),
        Test::Auditd(t) => audit::auditd(t, facts),
        Test::Filesystem(t) => filesystem::filesystem(t, facts),
        Test::Firewall(t) => firewall::firewall(t, facts),
        Test::Listening(t) => listening::listening(t, facts),
        Test::Mta(t) => listening::mta(t, facts),
        Test::Logging(t) => logging::logging(t, facts),
        Test::Certificate(t) => tls::certificate(t, &inputs),
        Test::TlsPrivateKeys(t) => tls::tls_private_keys(t, &inputs),
        Test::Openssl(t) => crypto::openssl(t, facts),
        Test::CryptoPolicy(t) => crypto::crypto_policy(t, facts),
        Test::DiskEncryption(t) => crypto::disk_encryption(t, facts),
        Test::All(_) | Test::Any(_) | Test::None(_) | Test::Not(_) => {
            crate::eval::evaluate_test_with(test, inputs)
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

mod accounts;
mod audit;
mod config;
mod crypto;
mod daemon_conf;
mod files;
mod filesystem;
mod firewall;
mod listening;
mod logging;
mod malware;
mod modules;
mod mounts;
mod packages;
mod pam;
mod services;
mod software;
mod sshd;
mod sudo;
mod sysctl;
mod time;
mod tls;

use accounts::account;
use config::{config, login_defs};
use files::{file, lines};
use modules::kernel_module;
use mounts::mount;
use packages::package;
use services::service;
use sshd::sshd;
use sysctl::sysctl;

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
    if let Some(mask) = &cmp.bits_set {
        let n = parse_c_integer(obs)
            .ok_or_else(|| format!("{obs:?} is not an integer (decimal, 0octal or 0xhex)"))?;
        let mask = mask.value()?;
        ok &= n >= 0 && (n as u64) & u64::from(mask) == u64::from(mask);
    }
    if let Some(re) = &cmp.matches {
        let re = crate::patterns::regex(re).map_err(|e| format!("invalid pattern: {e}"))?;
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

/// An integer as C's `strtol(s, &end, 0)` reads a whole string: optional sign, `0x` hex,
/// a leading `0` octal, else decimal; anything left over is no number (shadow's `getlong`
/// and similar readers reject it).
pub(crate) fn parse_c_integer(s: &str) -> Option<i64> {
    let s = s.trim_start();
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(h) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, h)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let n = i64::from_str_radix(digits, radix).ok()?;
    Some(if neg { -n } else { n })
}

fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok();
    }
    s.parse().ok()
}

/// Whether a comparison is about integers: an integer bound, or every listed value an
/// integer. Such a value is read as the software reads it (a sysctl as the kernel does,
/// an sshd time in seconds).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::test::PackageTest;
    use crate::catalogue::test::Scalar;
    use crate::facts::{Fact, Facts};

    fn cmp() -> Compare {
        Compare::default()
    }

    pub(crate) fn facts_with_sshd(cfg: crate::facts::sshd::SshdConfig) -> Facts {
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
    fn missing_facts_are_errors_never_passes() {
        let t = Test::Package(PackageTest {
            name: "telnetd".into(),
            installed: false,
        });
        let v = evaluate(
            &t,
            crate::eval::Inputs::facts(&facts_with_sshd(Default::default())),
        );
        assert_eq!(v.outcome, Outcome::Error);
        assert!(!v.evidence.is_empty());
    }

    #[test]
    fn bit_masks_read_integers_as_strtol_base_0() {
        use crate::catalogue::test::Mask;
        let c = Compare {
            bits_set: Some(Mask::Octal("027".into())),
            ..cmp()
        };
        for ok in ["027", "0027", "077", "0x17", "23", "0777"] {
            assert_eq!(compare(&c, ok), Ok(true), "{ok}");
        }
        // 27 is decimal (octal 033): group write is not masked. 022 misses others' read.
        for bad in ["27", "022", "0", "002"] {
            assert_eq!(compare(&c, bad), Ok(false), "{bad}");
        }
        for junk in ["027x", "08", "0x", "", "u=rwx"] {
            assert!(compare(&c, junk).is_err(), "{junk}");
        }
        let unresolved = Compare {
            bits_set: Some(Mask::Param(crate::catalogue::test::ParamRef {
                param: "umask".into(),
            })),
            ..cmp()
        };
        assert!(compare(&unresolved, "027").is_err());
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
}
