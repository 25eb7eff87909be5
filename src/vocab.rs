//! Words shared by checks and collectors: the small enums a check names and a collector
//! produces, and the glob test both use.
//!
//! They live apart from `facts` and `host_root` because the build script compiles the
//! catalogue's shape (`catalogue::model` and `catalogue::test`, which name them) to parse the
//! built-in catalogue at build time; everything here depends on serde alone.

use serde::{Deserialize, Serialize};

/// The layout of a key/value file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// `KEY VALUE` (login.defs).
    Spaces,
    /// `key = value` (pwquality.conf, faillock.conf, INI-like files without sections).
    Equals,
    /// `KEY=VALUE` exactly as shadow's useradd reads `/etc/default/useradd`: the line must
    /// start with the key and `=`, and the value is the rest of the line, blanks included.
    Useradd,
}

/// Password hashing schemes, from the hash prefix (crypt(5)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HashAlgorithm {
    Yescrypt,
    GostYescrypt,
    Scrypt,
    /// `$2a$`, `$2b$`, `$2y$` (not `$2x$`, the buggy-compatibility variant: `unknown`).
    Bcrypt,
    Sha512,
    Sha256,
    /// NetBSD's `$sha1$`.
    Sha1,
    /// Solaris' `$md5$` / `$md5,rounds=…$`.
    SunMd5,
    Md5,
    /// FreeBSD's `$3$` NT hash (unsalted MD4).
    Nthash,
    /// BSDi extended DES: `_` and 19 characters.
    BsdiDes,
    /// bigcrypt: DES in 13 + 11·n characters (DES family).
    Bigcrypt,
    /// Traditional 13-character DES crypt.
    Des,
    /// A value Ward does not recognise that some crypt could still verify.
    Unknown,
}

/// Whether a string has glob metacharacters.
pub fn has_glob_meta(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The four PAM management groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PamType {
    Auth,
    Account,
    Password,
    Session,
}

impl PamType {
    pub fn as_str(self) -> &'static str {
        match self {
            PamType::Auth => "auth",
            PamType::Account => "account",
            PamType::Password => "password",
            PamType::Session => "session",
        }
    }

    pub fn parse(word: &str) -> Option<PamType> {
        [
            PamType::Auth,
            PamType::Account,
            PamType::Password,
            PamType::Session,
        ]
        .into_iter()
        .find(|t| word.eq_ignore_ascii_case(t.as_str()))
    }
}

/// systemd daemon configuration files the `systemd_config` probe can read (collected by
/// `facts::systemd_conf`).
pub const SYSTEMD_CONF_FILES: [&str; 5] = [
    "coredump.conf",
    "journal-upload.conf",
    "journald.conf",
    "logind.conf",
    "timesyncd.conf",
];
