//! Certificate files as OpenSSL reads them: PEM blocks found line by line (text before,
//! between and after blocks ignored, as `PEM_read_bio` skips it), or a DER certificate.
//!
//! A file named by a web server's `ssl_certificate` is read by `PEM_read_bio_X509_AUX` and
//! its followers: every `CERTIFICATE`, `X509 CERTIFICATE` or `TRUSTED CERTIFICATE` block,
//! in order, the first being the server's own certificate. Blocks holding private keys
//! are counted by their label and never decoded, so key material is not even held in
//! memory longer than the file's bytes. Each certificate is decoded with the `x509-parser`
//! crate, and the fields a check needs are kept: subject, issuer, serial, validity, the
//! public key's algorithm and size (RSA modulus bits as `BN_num_bits`, the EC curve's
//! size, Ed25519/Ed448), the signature algorithm and its digest (RSASSA-PSS with the hash
//! its parameters name, SHA-1 when they name none), and the basicConstraints CA flag.

use serde::{Deserialize, Serialize};
use x509_parser::prelude::*;

/// PEM labels OpenSSL accepts for a certificate (`PEM_read_bio_X509_AUX`).
pub const CERT_LABELS: [&str; 3] = ["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"];

/// The encoding of a certificate file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Pem,
    Der,
}

/// The kind of a public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    Rsa,
    Ec,
    Ed25519,
    Ed448,
    Dsa,
    Other,
}

impl KeyType {
    /// The name as written in evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::Ec => "EC",
            KeyType::Ed25519 => "Ed25519",
            KeyType::Ed448 => "Ed448",
            KeyType::Dsa => "DSA",
            KeyType::Other => "other",
        }
    }
}

/// The fields of one certificate that checks and evidence need. No key material: a
/// certificate's public key is public, and only its algorithm and size are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Position in the file, from 0 (the first is a server's own certificate).
    pub index: usize,
    /// 1-based line of the `-----BEGIN` line (PEM only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub subject: String,
    pub issuer: String,
    /// The serial number in upper-case hex, as `openssl x509 -serial` prints it.
    pub serial: String,
    /// Start of validity, Unix seconds and RFC 3339.
    pub not_before: i64,
    pub not_after: i64,
    pub not_before_text: String,
    pub not_after_text: String,
    /// OpenSSL's name of the public key algorithm (`rsaEncryption`, `id-ecPublicKey`, `ED25519`).
    pub key_algorithm: String,
    pub key_type: KeyType,
    /// Key size in bits: the RSA modulus or DSA prime length, the EC curve's size, 256 for
    /// Ed25519 and 456 for Ed448; 0 when unknown.
    pub key_bits: u32,
    /// The EC curve (`prime256v1`, `secp384r1`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// OpenSSL's name of the signature algorithm (`sha256WithRSAEncryption`).
    pub signature_algorithm: String,
    /// The digest the signature uses (`md5`, `sha1`, `sha256`, …), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_digest: Option<String>,
    /// basicConstraints cA is true.
    pub ca: bool,
    /// Subject and issuer are the same name.
    pub self_issued: bool,
}

impl Certificate {
    /// A short name for evidence: the subject's CN, else the whole subject.
    pub fn name(&self) -> String {
        self.subject
            .split(", ")
            .find_map(|p| p.strip_prefix("CN="))
            .map(str::to_string)
            .unwrap_or_else(|| self.subject.clone())
    }

    /// Whether the signature uses a digest that is broken for signatures.
    pub fn weak_signature(&self) -> bool {
        matches!(
            self.signature_digest.as_deref(),
            Some("md2" | "md4" | "md5" | "sha1")
        )
    }
}

/// What a certificate file held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parsed {
    pub encoding: Option<Encoding>,
    pub certificates: Vec<Certificate>,
    /// Labels of PEM blocks holding a private key (never decoded).
    pub private_key_blocks: Vec<String>,
    /// Labels of other PEM blocks (parameters, CRLs, …).
    pub other_blocks: Vec<String>,
    /// Blocks that could not be read, with their line and the reason.
    pub problems: Vec<String>,
}

/// Read a certificate file's bytes: PEM blocks if it has any `-----BEGIN ` line, else one
/// DER certificate.
pub fn parse_file(bytes: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let mut i = 0;
    let mut any_pem = false;
    while i < lines.len() {
        let line = trim_end(lines[i]);
        let Some(label) = begin_label(line) else {
            i += 1;
            continue;
        };
        any_pem = true;
        let start = i;
        let end_line = format!("-----END {label}-----");
        let mut j = i + 1;
        let mut end = None;
        while j < lines.len() {
            let l = trim_end(lines[j]);
            if l.starts_with(b"-----END ") {
                end = Some((j, l == end_line.as_bytes()));
                break;
            }
            j += 1;
        }
        let Some((end, matched)) = end else {
            out.problems.push(format!(
                "line {}: {label} block without an -----END line",
                start + 1
            ));
            break;
        };
        i = end + 1;
        if label.contains("PRIVATE KEY") {
            out.private_key_blocks.push(label);
            continue;
        }
        if !CERT_LABELS.contains(&label.as_str()) {
            out.other_blocks.push(label);
            continue;
        }
        if !matched {
            out.problems.push(format!(
                "line {}: {label} block ends with a different -----END line (OpenSSL: bad end line)",
                start + 1
            ));
            continue;
        }
        // The block's own lines, handed to x509-parser's PEM reader.
        let mut block = Vec::new();
        for l in &lines[start..=end] {
            block.extend_from_slice(trim_end(l));
            block.push(b'\n');
        }
        let index = out.certificates.len();
        match x509_parser::pem::Pem::read(std::io::Cursor::new(&block[..])) {
            Ok((pem, _)) => match X509Certificate::from_der(&pem.contents) {
                Ok((_, cert)) => {
                    let mut c = fields(&cert, index);
                    c.line = Some(start + 1);
                    out.certificates.push(c);
                }
                Err(e) => out.problems.push(format!(
                    "line {}: {label} block is not a certificate: {e}",
                    start + 1
                )),
            },
            Err(e) => out.problems.push(format!(
                "line {}: {label} block cannot be decoded: {e}",
                start + 1
            )),
        }
    }
    if any_pem {
        out.encoding = Some(Encoding::Pem);
        return out;
    }
    if bytes.first() == Some(&0x30) {
        out.encoding = Some(Encoding::Der);
        match X509Certificate::from_der(bytes) {
            Ok((_, cert)) => out.certificates.push(fields(&cert, 0)),
            Err(e) => out.problems.push(format!("not a DER certificate: {e}")),
        }
    } else {
        out.problems
            .push("no PEM block and not a DER certificate".to_string());
    }
    out
}

fn trim_end(l: &[u8]) -> &[u8] {
    let mut end = l.len();
    while end > 0 && matches!(l[end - 1], b'\r' | b' ' | b'\t') {
        end -= 1;
    }
    &l[..end]
}

/// The label of a `-----BEGIN LABEL-----` line.
fn begin_label(line: &[u8]) -> Option<String> {
    let rest = line.strip_prefix(b"-----BEGIN ")?;
    let label = rest.strip_suffix(b"-----")?;
    let label = std::str::from_utf8(label).ok()?;
    (!label.is_empty()).then(|| label.to_string())
}

/// The fields of a decoded certificate.
pub fn fields(cert: &X509Certificate<'_>, index: usize) -> Certificate {
    let tbs = &cert.tbs_certificate;
    let spki = tbs.public_key();
    let key_oid = spki.algorithm.algorithm.to_id_string();
    let (key_type, key_algorithm, mut key_bits, curve) = match key_oid.as_str() {
        "1.2.840.113549.1.1.1" => (KeyType::Rsa, "rsaEncryption", 0, None),
        "1.2.840.113549.1.1.10" => (KeyType::Rsa, "rsassaPss", 0, None),
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let (name, bits) = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => ("prime256v1", 256),
                Some("1.3.132.0.34") => ("secp384r1", 384),
                Some("1.3.132.0.35") => ("secp521r1", 521),
                Some("1.3.132.0.33") => ("secp224r1", 224),
                Some("1.2.840.10045.3.1.1") => ("prime192v1", 192),
                Some("1.3.132.0.10") => ("secp256k1", 256),
                Some("1.3.36.3.3.2.8.1.1.7") => ("brainpoolP256r1", 256),
                Some("1.3.36.3.3.2.8.1.1.11") => ("brainpoolP384r1", 384),
                Some("1.3.36.3.3.2.8.1.1.13") => ("brainpoolP512r1", 512),
                _ => ("", 0),
            };
            let curve = if name.is_empty() {
                curve.map(|c| format!("unknown curve {c}"))
            } else {
                Some(name.to_string())
            };
            (KeyType::Ec, "id-ecPublicKey", bits, curve)
        }
        "1.3.101.112" => (KeyType::Ed25519, "ED25519", 256, None),
        "1.3.101.113" => (KeyType::Ed448, "ED448", 456, None),
        "1.2.840.10040.4.1" => (KeyType::Dsa, "dsaEncryption", 0, None),
        _ => (KeyType::Other, "", 0, None),
    };
    let key_algorithm = if key_algorithm.is_empty() {
        key_oid.clone()
    } else {
        key_algorithm.to_string()
    };
    match key_type {
        KeyType::Rsa => {
            if let Ok(x509_parser::public_key::PublicKey::RSA(rsa)) = spki.parsed() {
                key_bits = bit_length(rsa.modulus);
            }
        }
        KeyType::Dsa => {
            // Dss-Parms ::= SEQUENCE { p, q, g }: the size is p's.
            if let Some(params) = spki.algorithm.parameters.as_ref() {
                if let Ok((_, p)) = x509_parser::der_parser::der::parse_der_integer(params.data) {
                    if let Ok(bytes) = p.as_slice() {
                        key_bits = bit_length(bytes);
                    }
                }
            }
        }
        _ => {}
    }
    let (signature_algorithm, signature_digest) = signature(&cert.signature_algorithm);
    let ca = cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|b| b.value.ca);
    let subject = tbs.subject().to_string();
    let issuer = tbs.issuer().to_string();
    let nb = tbs.validity().not_before.timestamp();
    let na = tbs.validity().not_after.timestamp();
    Certificate {
        index,
        line: None,
        self_issued: tbs.subject().as_raw() == tbs.issuer().as_raw(),
        subject,
        issuer,
        serial: serial_hex(cert.raw_serial()),
        not_before: nb,
        not_after: na,
        not_before_text: rfc3339(nb),
        not_after_text: rfc3339(na),
        key_algorithm,
        key_type,
        key_bits,
        curve,
        signature_algorithm,
        signature_digest,
        ca,
    }
}

/// Significant bits of a big-endian unsigned integer (`BN_num_bits`).
fn bit_length(bytes: &[u8]) -> u32 {
    let Some(first) = bytes.iter().position(|b| *b != 0) else {
        return 0;
    };
    let rest = &bytes[first..];
    (rest.len() as u32 - 1) * 8 + (8 - rest[0].leading_zeros())
}

/// Upper-case hex of a serial's value bytes, without the sign byte DER adds.
fn serial_hex(raw: &[u8]) -> String {
    let first = raw
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    let s = hex::encode_upper(&raw[first.min(raw.len())..]);
    if s.is_empty() {
        "00".into()
    } else {
        s
    }
}

fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| secs.to_string())
}

/// OpenSSL's name of a signature algorithm and its digest.
fn signature(alg: &x509_parser::x509::AlgorithmIdentifier<'_>) -> (String, Option<String>) {
    let oid = alg.algorithm.to_id_string();
    let (name, digest) = match oid.as_str() {
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", "md2"),
        "1.2.840.113549.1.1.3" => ("md4WithRSAEncryption", "md4"),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", "md5"),
        "1.2.840.113549.1.1.5" => ("sha1WithRSAEncryption", "sha1"),
        "1.3.14.3.2.29" => ("sha1WithRSA", "sha1"),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption", "sha224"),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", "sha256"),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", "sha384"),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", "sha512"),
        "2.16.840.1.101.3.4.3.13" => ("RSA-SHA3-224", "sha3-224"),
        "2.16.840.1.101.3.4.3.14" => ("RSA-SHA3-256", "sha3-256"),
        "2.16.840.1.101.3.4.3.15" => ("RSA-SHA3-384", "sha3-384"),
        "2.16.840.1.101.3.4.3.16" => ("RSA-SHA3-512", "sha3-512"),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", "sha1"),
        "1.2.840.10045.4.3.1" => ("ecdsa-with-SHA224", "sha224"),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", "sha256"),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", "sha384"),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", "sha512"),
        "1.2.840.10040.4.3" => ("dsaWithSHA1", "sha1"),
        "2.16.840.1.101.3.4.3.1" => ("dsa_with_SHA224", "sha224"),
        "2.16.840.1.101.3.4.3.2" => ("dsa_with_SHA256", "sha256"),
        "1.3.101.112" => ("ED25519", "sha512"),
        "1.3.101.113" => ("ED448", "shake256"),
        "1.2.840.113549.1.1.10" => {
            // RSASSA-PSS: the hash its parameters name; absent parameters mean SHA-1.
            let digest = alg
                .parameters
                .as_ref()
                .and_then(|p| x509_parser::signature_algorithm::RsaSsaPssParams::try_from(p).ok())
                .map(|p| digest_name(&p.hash_algorithm_oid().to_id_string()));
            return (
                "rsassaPss".into(),
                Some(digest.unwrap_or_else(|| "sha1".into())),
            );
        }
        _ => return (oid, None),
    };
    (name.to_string(), Some(digest.to_string()))
}

fn digest_name(oid: &str) -> String {
    match oid {
        "1.3.14.3.2.26" => "sha1",
        "2.16.840.1.101.3.4.2.1" => "sha256",
        "2.16.840.1.101.3.4.2.2" => "sha384",
        "2.16.840.1.101.3.4.2.3" => "sha512",
        "2.16.840.1.101.3.4.2.4" => "sha224",
        "1.2.840.113549.2.5" => "md5",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_lengths_and_serials() {
        assert_eq!(bit_length(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_length(&[0x01, 0xff]), 9);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(serial_hex(&[0x00, 0x8f, 0x01]), "8F01");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[0x01]), "01");
    }

    #[test]
    fn junk_and_key_blocks() {
        let text = b"junk\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\
                     -----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        let p = parse_file(text);
        assert_eq!(p.encoding, Some(Encoding::Pem));
        assert_eq!(p.private_key_blocks, vec!["PRIVATE KEY".to_string()]);
        assert!(p.certificates.is_empty());
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        let p = parse_file(b"hello");
        assert!(p.encoding.is_none() && !p.problems.is_empty());
        let p = parse_file(b"-----BEGIN CERTIFICATE-----\nAAAA\n");
        assert!(p.problems[0].contains("without an -----END"));
    }
}
