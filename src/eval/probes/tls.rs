//! TLS certificates and private key files (`certificate` and `tls_private_keys` probes),
//! judged on the `tls` collector's facts.
//!
//! Which certificates count: every certificate a server loads (the first of a file named
//! by `ssl_certificate`, `SSLCertificateFile` or `smtpd_tls_cert_file` is the server's
//! own, the rest are its chain) and, in the usual directories, every certificate that is
//! not a CA (CA certificates found there, such as a private root, are trust anchors). A
//! file a server names that is missing, unreadable or not readable as the server reads it,
//! a server configuration Ward could not follow, or a certificate directory it could not
//! list makes the probe `error` unless something already fails. A host with no
//! certificate at all is `not_applicable`.
//!
//! Expiry is judged at the moment of the day judged: now when that day is today (a
//! normal scan), else 00:00 UTC of the day (`--as-of`, a fixture's `feeds.today`), so
//! fixtures never change with the calendar.

use std::collections::BTreeMap;

use crate::catalogue::test::{CertificateTest, TlsPrivateKeysTest};
use crate::eval::{Evidence, EvidenceSource, FindingItem, Inputs, Outcome, Verdict};
use crate::facts::files::Stat;
use crate::facts::tls::x509::{Certificate, KeyType};
use crate::facts::tls::{CertFile, CertRole, Tls};
use crate::facts::Fact;

/// The instant expiry is judged at.
fn moment(inputs: &Inputs) -> i64 {
    if inputs.today == crate::feeds::assess::today() {
        jiff::Timestamp::now().as_second()
    } else {
        inputs
            .today
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_second())
            .unwrap_or(0)
    }
}

/// What one judged thing came to.
struct Tally {
    items: Vec<FindingItem>,
    failed: Vec<Evidence>,
    errors: Vec<Evidence>,
    passed: Vec<Evidence>,
    permission_denied: bool,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            items: Vec::new(),
            failed: Vec::new(),
            errors: Vec::new(),
            passed: Vec::new(),
            permission_denied: false,
        }
    }

    fn add(
        &mut self,
        outcome: Outcome,
        subject: String,
        fields: BTreeMap<String, String>,
        ev: Evidence,
    ) {
        match outcome {
            Outcome::Fail => self.failed.push(ev),
            Outcome::Error => self.errors.push(ev),
            _ => self.passed.push(ev),
        }
        self.items.push(FindingItem {
            subject,
            outcome,
            fields,
        });
    }

    /// The verdict: any failure fails, else any error is an error, else pass; nothing
    /// judged is not applicable.
    fn verdict(self, what: &str, none: &str) -> Verdict {
        let (f, e, p) = (self.failed.len(), self.errors.len(), self.passed.len());
        let v = if f > 0 {
            let mut ev = self.failed;
            ev.extend(self.errors);
            ev.truncate(50);
            Verdict::fail(format!("{f} {what} failed (of {})", f + e + p), ev)
        } else if e > 0 {
            let mut ev = self.errors;
            ev.truncate(50);
            let mut v = Verdict::with(
                Outcome::Error,
                format!("{e} {what} could not be judged ({p} passed)"),
                ev,
            );
            v.permission_denied = self.permission_denied;
            v
        } else if p > 0 {
            let mut ev = self.passed;
            ev.truncate(50);
            Verdict::pass(format!("all {p} {what} passed"), ev)
        } else {
            Verdict::with(
                Outcome::NotApplicable,
                none.to_string(),
                vec![Evidence::new(
                    EvidenceSource::collector("TLS certificates and keys"),
                    none,
                    "certificate or key files to judge",
                )],
            )
        };
        v.with_items(self.items)
    }
}

fn cert_source(file: &CertFile, cert: Option<&Certificate>) -> EvidenceSource {
    EvidenceSource::file(file.path.clone(), cert.and_then(|c| c.line))
}

/// Errors that make the set of certificates unknown: servers Ward could not read,
/// directories it could not list, files that are unreadable or not what a server reads.
fn file_errors(tls: &Tls, keys: bool, tally: &mut Tally) {
    for s in &tls.servers {
        for p in &s.problems {
            tally.add(
                Outcome::Error,
                s.config.clone(),
                BTreeMap::new(),
                Evidence::new(
                    EvidenceSource::file(s.config.clone(), None),
                    p.clone(),
                    format!("a {} configuration Ward can follow", s.software.as_str()),
                ),
            );
        }
    }
    for d in tls.problems.iter().filter(|d| d.keys == keys) {
        tally.permission_denied |= d.permission_denied;
        tally.add(
            Outcome::Error,
            d.path.clone(),
            BTreeMap::new(),
            Evidence::new(
                EvidenceSource::search(d.path.clone()),
                d.reason.clone(),
                "a readable directory",
            ),
        );
    }
}

pub(super) fn certificate(t: &CertificateTest, inputs: &Inputs) -> Verdict {
    let tls = collected!(inputs.facts => Tls, EvidenceSource::collector("TLS certificates"));
    let value = |n: &Option<crate::catalogue::test::Num>| n.as_ref().map(|n| n.value()).transpose();
    let (min_days, min_rsa, min_ec) = match (
        value(&t.min_days_valid),
        value(&t.min_rsa_bits),
        value(&t.min_ec_bits),
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return Verdict::error(EvidenceSource::catalogue(), e, false)
        }
    };
    let now = moment(inputs);
    let mut tally = Tally::new();
    file_errors(tls, false, &mut tally);
    for file in &tls.certificate_files {
        if let Some(err) = &file.error {
            tally.permission_denied |= file.permission_denied;
            tally.add(
                Outcome::Error,
                file.path.clone(),
                BTreeMap::new(),
                Evidence::new(
                    cert_source(file, None),
                    format!("{err} ({})", file.source()),
                    "a readable certificate file",
                ),
            );
            continue;
        }
        let named = !file.named_by.is_empty();
        // A file in a certificate directory holding only keys or parameters is not a
        // certificate file; one with a certificate block that does not decode is unknown.
        if !file.problems.is_empty()
            && (named || file.problems.iter().any(|p| p.contains("CERTIFICATE")))
        {
            tally.add(
                Outcome::Error,
                file.path.clone(),
                BTreeMap::new(),
                Evidence::new(
                    cert_source(file, None),
                    format!("{} ({})", file.problems.join("; "), file.source()),
                    "PEM certificates OpenSSL reads",
                ),
            );
            if file.certificates.is_empty() {
                continue;
            }
        }
        for cert in &file.certificates {
            let role = file.role(cert);
            if role == CertRole::Ca && (min_days.is_some() || cert.self_issued) {
                continue;
            }
            if role == CertRole::Chain && cert.self_issued && cert.ca && min_days.is_none() {
                // A root sent along in a chain: its own signature and key are not checked by
                // clients, which trust it by identity.
                continue;
            }
            let mut fields = BTreeMap::new();
            fields.insert("certificate".into(), cert.name());
            fields.insert("role".into(), format!("{role:?}").to_lowercase());
            let subject = format!("{} #{}", file.path, cert.index + 1);
            let (outcome, observed, expected) = if let Some(min) = min_days {
                judge_expiry(cert, role, now, min, &mut fields)
            } else if let (Some(rsa), Some(ec)) = (min_rsa, min_ec) {
                judge_strength(cert, rsa, ec, &mut fields)
            } else {
                judge_signature(cert, &mut fields)
            };
            let observed = format!("{}: {observed} ({})", cert.name(), file.source());
            tally.add(
                outcome,
                subject,
                fields,
                Evidence::new(cert_source(file, Some(cert)), observed, expected),
            );
        }
    }
    let what = if min_days.is_some() {
        "certificate validity checks"
    } else if min_rsa.is_some() {
        "certificate key sizes"
    } else {
        "certificate signatures"
    };
    tally.verdict(
        what,
        "no TLS certificate was found (no server names one and the usual directories hold none)",
    )
}

fn judge_expiry(
    cert: &Certificate,
    role: CertRole,
    now: i64,
    min_days: i64,
    fields: &mut BTreeMap<String, String>,
) -> (Outcome, String, String) {
    fields.insert("not_after".into(), cert.not_after_text.clone());
    let days_left = (cert.not_after - now).div_euclid(86_400);
    fields.insert("days_left".into(), days_left.to_string());
    let expected = if role == CertRole::Leaf {
        format!("valid now and for at least {min_days} more days")
    } else {
        "valid now".to_string()
    };
    if cert.not_before > now {
        return (
            Outcome::Fail,
            format!("not valid before {}", cert.not_before_text),
            expected,
        );
    }
    if cert.not_after <= now {
        return (
            Outcome::Fail,
            format!("expired {} ({} days ago)", cert.not_after_text, -days_left),
            expected,
        );
    }
    if role == CertRole::Leaf && days_left < min_days {
        return (
            Outcome::Fail,
            format!("expires {} ({days_left} days left)", cert.not_after_text),
            expected,
        );
    }
    (
        Outcome::Pass,
        format!(
            "valid until {} ({days_left} days left)",
            cert.not_after_text
        ),
        expected,
    )
}

fn judge_strength(
    cert: &Certificate,
    min_rsa: i64,
    min_ec: i64,
    fields: &mut BTreeMap<String, String>,
) -> (Outcome, String, String) {
    fields.insert(
        "key".into(),
        format!("{} {}", cert.key_type.as_str(), cert.key_bits),
    );
    let expected =
        format!("RSA/DSA at least {min_rsa} bits, EC at least {min_ec} bits, or Ed25519/Ed448");
    let desc = match &cert.curve {
        Some(c) => format!(
            "{} key on {c} ({} bits)",
            cert.key_type.as_str(),
            cert.key_bits
        ),
        None => format!("{} key of {} bits", cert.key_type.as_str(), cert.key_bits),
    };
    let ok = match cert.key_type {
        KeyType::Rsa | KeyType::Dsa => i64::from(cert.key_bits) >= min_rsa,
        KeyType::Ec => cert.key_bits > 0 && i64::from(cert.key_bits) >= min_ec,
        KeyType::Ed25519 | KeyType::Ed448 => true,
        KeyType::Other => {
            return (
                Outcome::Error,
                format!(
                    "{} key ({}): its strength is unknown to Ward",
                    cert.key_algorithm, cert.key_bits
                ),
                expected,
            )
        }
    };
    (
        if ok { Outcome::Pass } else { Outcome::Fail },
        desc,
        expected,
    )
}

fn judge_signature(
    cert: &Certificate,
    fields: &mut BTreeMap<String, String>,
) -> (Outcome, String, String) {
    fields.insert("signature".into(), cert.signature_algorithm.clone());
    let expected = "a signature digest other than MD2, MD4, MD5 and SHA-1".to_string();
    let observed = format!("signed with {}", cert.signature_algorithm);
    match &cert.signature_digest {
        None => (
            Outcome::Error,
            format!("{observed}: a signature algorithm Ward does not know"),
            expected,
        ),
        Some(_) if cert.weak_signature() => (Outcome::Fail, observed, expected),
        Some(_) => (Outcome::Pass, observed, expected),
    }
}

/// Judge a key file's metadata.
fn judge_key(stat: &Stat, owners: &[String], groups: &[String]) -> (Outcome, String, String) {
    let mode = stat.meta.mode & 0o7777;
    let owner = stat
        .owner
        .clone()
        .unwrap_or_else(|| stat.meta.uid.to_string());
    let group = stat
        .group
        .clone()
        .unwrap_or_else(|| stat.meta.gid.to_string());
    let expected = format!(
        "owner {}; mode at most 0640 with group {}, else at most 0600",
        owners.join(" or "),
        groups.join(" or ")
    );
    let observed = format!("mode {mode:04o}, owner {owner}, group {group}");
    if let Some(e) = &stat.names_error {
        return (Outcome::Error, format!("{observed}: {e}"), expected);
    }
    let owner_ok = stat
        .owner
        .as_ref()
        .is_some_and(|o| owners.iter().any(|x| x == o));
    let group_ok = stat
        .group
        .as_ref()
        .is_some_and(|g| groups.iter().any(|x| x == g));
    let limit = if group_ok { 0o640 } else { 0o600 };
    let mode_ok = mode & !limit == 0;
    let outcome = if owner_ok && mode_ok {
        Outcome::Pass
    } else {
        Outcome::Fail
    };
    (outcome, observed, expected)
}

pub(super) fn tls_private_keys(t: &TlsPrivateKeysTest, inputs: &Inputs) -> Verdict {
    let tls = collected!(inputs.facts => Tls, EvidenceSource::collector("TLS private keys"));
    let (owners, groups) = match (t.owners.value(), t.group_readable_by.value()) {
        (Ok(o), Ok(g)) => (o, g),
        (Err(e), _) | (_, Err(e)) => return Verdict::error(EvidenceSource::catalogue(), e, false),
    };
    let mut tally = Tally::new();
    file_errors(tls, true, &mut tally);
    for key in &tls.key_files {
        let source = match key.named_by.first() {
            Some(n) => format!("named by {n}"),
            None => format!("found in {}", key.found_in.as_deref().unwrap_or("?")),
        };
        let mut fields = BTreeMap::new();
        match &key.stat {
            Fact::Collected { value } => {
                fields.insert("mode".into(), format!("{:04o}", value.meta.mode & 0o7777));
                fields.insert(
                    "owner".into(),
                    value
                        .owner
                        .clone()
                        .unwrap_or_else(|| value.meta.uid.to_string()),
                );
                fields.insert(
                    "group".into(),
                    value
                        .group
                        .clone()
                        .unwrap_or_else(|| value.meta.gid.to_string()),
                );
                let (outcome, observed, expected) = judge_key(value, owners, groups);
                tally.add(
                    outcome,
                    key.path.clone(),
                    fields,
                    Evidence::new(
                        EvidenceSource::file(key.path.clone(), None),
                        format!("{observed} ({source})"),
                        expected,
                    ),
                );
            }
            Fact::Error {
                reason,
                permission_denied,
            } => {
                tally.permission_denied |= *permission_denied;
                tally.add(
                    Outcome::Error,
                    key.path.clone(),
                    fields,
                    Evidence::new(
                        EvidenceSource::file(key.path.clone(), None),
                        format!("{reason} ({source})"),
                        "an existing key file",
                    ),
                );
            }
        }
    }
    for file in &tls.certificate_files {
        let Some(stat) = &file.key_stat else { continue };
        let (outcome, observed, expected) = judge_key(stat, owners, groups);
        let mut fields = BTreeMap::new();
        fields.insert("mode".into(), format!("{:04o}", stat.meta.mode & 0o7777));
        tally.add(
            outcome,
            file.path.clone(),
            fields,
            Evidence::new(
                EvidenceSource::file(file.path.clone(), None),
                format!(
                    "{observed}: a certificate file that also holds a private key ({}; {})",
                    file.private_key_blocks.join(", "),
                    file.source()
                ),
                expected,
            ),
        );
    }
    tally.verdict(
        "private key files",
        "no TLS private key file was found (no server names one and the usual directories hold none)",
    )
}
