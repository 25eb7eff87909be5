//! Local accounts and groups from passwd, shadow and group, without secrets.
//!
//! (Helper fills in.) No password hash ever leaves this module: only the hash algorithm and
//! whether the password is empty, locked or usable.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::HostRoot;

/// Accounts and groups of a host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accounts {
    /// Entries of `/etc/passwd`, in file order.
    pub users: Vec<User>,
    /// Entries of `/etc/group`, in file order.
    pub groups: Vec<Group>,
    /// `/etc/shadow`, keyed by account name; an error when unreadable (e.g. not root).
    pub shadow: Fact<BTreeMap<String, ShadowEntry>>,
    /// Malformed lines, with their origin.
    pub warnings: Vec<String>,
}

/// One `/etc/passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
    /// What the passwd password field holds (normally `x`: see shadow).
    pub passwd_field: PasswordState,
    pub origin: Origin,
}

/// One `/etc/group` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
    pub origin: Origin,
}

/// One `/etc/shadow` entry, with the hash reduced to its algorithm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowEntry {
    pub password: PasswordState,
    /// Days since 1970-01-01 of the last change; `Some(0)` forces a change at next login.
    pub last_change: Option<i64>,
    pub min_days: Option<i64>,
    pub max_days: Option<i64>,
    pub warn_days: Option<i64>,
    pub inactive_days: Option<i64>,
    pub expire_day: Option<i64>,
    pub origin: Origin,
}

/// What a password field holds, never the hash itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PasswordState {
    /// `x`: the password is in the shadow file.
    Shadowed,
    /// Empty: login without a password.
    Empty,
    /// `*`, `!`, `!!` or similar with no hash: password login impossible.
    NoPassword,
    /// `!` followed by a hash: locked, but the hash remains.
    Locked { algorithm: HashAlgorithm },
    /// A usable hash.
    Hash { algorithm: HashAlgorithm },
}

/// Password hashing schemes, from the hash prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HashAlgorithm {
    Yescrypt,
    GostYescrypt,
    Scrypt,
    Bcrypt,
    Sha512,
    Sha256,
    Md5,
    /// Traditional 13-character DES crypt.
    Des,
    Unknown,
}

/// Collect accounts and groups.
pub fn collect(root: &HostRoot) -> Fact<Accounts> {
    let _ = root;
    Fact::error("accounts collector not yet written")
}
