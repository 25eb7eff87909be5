//! sshd's keyword table for OpenSSH 9.2 (Debian 12): where each keyword may appear, how
//! repeated lines combine, the compiled-in defaults as `sshd -T` prints them, and the value
//! checks sshd makes on every line (a value sshd rejects stops it from starting, even on a
//! line whose value would not be used).

/// Where sshd accepts a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Allowed {
    /// Only in the global section (`SSHCFG_GLOBAL`).
    Global,
    /// Globally and inside `Match` blocks (`SSHCFG_ALL`).
    Anywhere,
    /// Accepted but ignored (deprecated or unsupported).
    Ignored,
}

/// How repeated lines of one keyword combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Merge {
    First,
    Accumulate,
    Last,
}

/// Old keyword names and the name sshd stores them under.
pub(super) const ALIASES: &[(&str, &str)] = &[
    (
        "challengeresponseauthentication",
        "kbdinteractiveauthentication",
    ),
    ("skeyauthentication", "kbdinteractiveauthentication"),
    ("pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms"),
    ("hostbasedacceptedkeytypes", "hostbasedacceptedalgorithms"),
    ("hostdsakey", "hostkey"),
    ("dsaauthentication", "pubkeyauthentication"),
    ("keepalive", "tcpkeepalive"),
];

/// Renamed keywords whose old name catalogues still use; the effective value is mirrored
/// under the old name too.
pub(super) const MIRRORED: &[(&str, &str)] = &[
    (
        "challengeresponseauthentication",
        "kbdinteractiveauthentication",
    ),
    ("pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms"),
    ("hostbasedacceptedkeytypes", "hostbasedacceptedalgorithms"),
];

pub(super) fn canonical(keyword: &str) -> &str {
    ALIASES
        .iter()
        .find(|(old, _)| *old == keyword)
        .map(|(_, new)| *new)
        .unwrap_or(keyword)
}

/// Where OpenSSH 9.2 (with Debian's patches) accepts a canonical keyword; `None` if unknown.
pub(super) fn allowed(keyword: &str) -> Option<Allowed> {
    Some(match keyword {
        "permitrootlogin"
        | "loglevel"
        | "logverbose"
        | "hostbasedauthentication"
        | "hostbasedusesnamefrompacketonly"
        | "hostbasedacceptedalgorithms"
        | "pubkeyauthentication"
        | "pubkeyacceptedalgorithms"
        | "pubkeyauthoptions"
        | "kerberosauthentication"
        | "gssapiauthentication"
        | "passwordauthentication"
        | "kbdinteractiveauthentication"
        | "ignorerhosts"
        | "x11forwarding"
        | "x11displayoffset"
        | "x11uselocalhost"
        | "permitemptypasswords"
        | "rekeylimit"
        | "allowtcpforwarding"
        | "allowagentforwarding"
        | "allowusers"
        | "denyusers"
        | "allowgroups"
        | "denygroups"
        | "gatewayports"
        | "maxauthtries"
        | "maxsessions"
        | "banner"
        | "clientaliveinterval"
        | "clientalivecountmax"
        | "authorizedkeysfile"
        | "acceptenv"
        | "setenv"
        | "permittunnel"
        | "permittty"
        | "permituserrc"
        | "permitopen"
        | "permitlisten"
        | "forcecommand"
        | "chrootdirectory"
        | "revokedkeys"
        | "trustedusercakeys"
        | "authorizedprincipalsfile"
        | "ipqos"
        | "authorizedkeyscommand"
        | "authorizedkeyscommanduser"
        | "authorizedprincipalscommand"
        | "authorizedprincipalscommanduser"
        | "authenticationmethods"
        | "streamlocalbindmask"
        | "streamlocalbindunlink"
        | "allowstreamlocalforwarding"
        | "disableforwarding"
        | "exposeauthinfo"
        | "rdomain"
        | "casignaturealgorithms"
        | "requiredrsasize"
        | "channeltimeout"
        | "unusedconnectiontimeout" => Allowed::Anywhere,
        "usepam"
        | "port"
        | "hostkey"
        | "hostkeyagent"
        | "pidfile"
        | "modulifile"
        | "logingracetime"
        | "syslogfacility"
        | "hostkeyalgorithms"
        | "kerberosorlocalpasswd"
        | "kerberosticketcleanup"
        | "kerberosgetafstoken"
        | "gssapicleanupcredentials"
        | "gssapistrictacceptorcheck"
        | "listenaddress"
        | "addressfamily"
        | "printmotd"
        | "printlastlog"
        | "ignoreuserknownhosts"
        | "xauthlocation"
        | "strictmodes"
        | "permituserenvironment"
        | "compression"
        | "tcpkeepalive"
        | "ciphers"
        | "macs"
        | "subsystem"
        | "maxstartups"
        | "persourcemaxstartups"
        | "persourcenetblocksize"
        | "usedns"
        | "hostcertificate"
        | "kexalgorithms"
        | "versionaddendum"
        | "fingerprinthash"
        | "securitykeyprovider"
        // Debian's patches (GSSAPI key exchange, DebianBanner).
        | "debianbanner"
        | "gssapikeyexchange"
        | "gssapistorecredentialsonrekey"
        | "gssapikexalgorithms" => Allowed::Global,
        "pamauthenticationviakbdint"
        | "serverkeybits"
        | "keyregenerationinterval"
        | "rhostsauthentication"
        | "rhostsrsaauthentication"
        | "rsaauthentication"
        | "checkmail"
        | "uselogin"
        | "verifyreversemapping"
        | "reversemappingcheck"
        | "authorizedkeysfile2"
        | "useprivilegeseparation"
        | "protocol"
        | "kerberostgtpassing"
        | "afstokenpassing" => Allowed::Ignored,
        _ => return None,
    })
}

pub(super) fn merge_rule(keyword: &str) -> Merge {
    match keyword {
        "port" | "listenaddress" | "hostkey" | "hostcertificate" | "allowusers" | "denyusers"
        | "allowgroups" | "denygroups" | "acceptenv" | "subsystem" => Merge::Accumulate,
        // OpenSSH 9.2 assigns these on every line without a first-wins guard.
        "maxstartups"
        | "persourcemaxstartups"
        | "persourcenetblocksize"
        | "fingerprinthash"
        | "ipqos"
        | "streamlocalbindmask" => Merge::Last,
        _ => Merge::First,
    }
}

/// Keywords whose value sshd takes as the raw rest of the line, quotes and all.
pub(super) fn takes_raw_rest(keyword: &str) -> bool {
    matches!(
        keyword,
        "forcecommand"
            | "authorizedkeyscommand"
            | "authorizedprincipalscommand"
            | "versionaddendum"
    )
}

const DEFAULT_PK_ALGORITHMS: &str = "ssh-ed25519-cert-v01@openssh.com,\
ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,\
ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,\
sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,\
rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,\
ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,\
rsa-sha2-512,rsa-sha2-256";

/// OpenSSH 9.2's compiled-in defaults, as `sshd -T` prints them (except `permitrootlogin`,
/// which sshd -T prints under its deprecated alias `without-password`).
pub(super) const DEFAULTS: &[(&str, &str)] = &[
    ("port", "22"),
    ("addressfamily", "any"),
    (
        "hostkey",
        "/etc/ssh/ssh_host_rsa_key /etc/ssh/ssh_host_ecdsa_key /etc/ssh/ssh_host_ed25519_key",
    ),
    ("usepam", "no"),
    ("logingracetime", "120"),
    ("x11displayoffset", "10"),
    ("maxauthtries", "6"),
    ("maxsessions", "10"),
    ("clientaliveinterval", "0"),
    ("clientalivecountmax", "3"),
    ("requiredrsasize", "1024"),
    ("streamlocalbindmask", "0177"),
    ("permitrootlogin", "prohibit-password"),
    ("ignorerhosts", "yes"),
    ("ignoreuserknownhosts", "no"),
    ("hostbasedauthentication", "no"),
    ("hostbasedusesnamefrompacketonly", "no"),
    ("pubkeyauthentication", "yes"),
    ("kerberosauthentication", "no"),
    ("gssapiauthentication", "no"),
    ("passwordauthentication", "yes"),
    ("kbdinteractiveauthentication", "yes"),
    ("printmotd", "yes"),
    ("printlastlog", "yes"),
    ("x11forwarding", "no"),
    ("x11uselocalhost", "yes"),
    ("permittty", "yes"),
    ("permituserrc", "yes"),
    ("strictmodes", "yes"),
    ("tcpkeepalive", "yes"),
    ("permitemptypasswords", "no"),
    ("compression", "yes"),
    ("gatewayports", "no"),
    ("usedns", "no"),
    ("allowtcpforwarding", "yes"),
    ("allowagentforwarding", "yes"),
    ("disableforwarding", "no"),
    ("allowstreamlocalforwarding", "yes"),
    ("streamlocalbindunlink", "no"),
    ("fingerprinthash", "SHA256"),
    ("exposeauthinfo", "no"),
    (
        "ciphers",
        "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,\
aes128-gcm@openssh.com,aes256-gcm@openssh.com",
    ),
    (
        "macs",
        "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,\
hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,\
umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
    ),
    // Debian 12's current openssh-server (9.2p1-2+deb12u10) puts the standard name of
    // sntrup761 (from OpenSSH 9.9) first; upstream 9.2 only has the @openssh.com name.
    (
        "kexalgorithms",
        "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,\
ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,\
diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,\
diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
    ),
    ("hostkeyalgorithms", DEFAULT_PK_ALGORITHMS),
    ("pubkeyacceptedalgorithms", DEFAULT_PK_ALGORITHMS),
    ("hostbasedacceptedalgorithms", DEFAULT_PK_ALGORITHMS),
    (
        "casignaturealgorithms",
        "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,\
sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    ),
    ("banner", "none"),
    ("forcecommand", "none"),
    ("chrootdirectory", "none"),
    ("trustedusercakeys", "none"),
    ("revokedkeys", "none"),
    ("authorizedprincipalsfile", "none"),
    ("authorizedkeyscommand", "none"),
    ("authorizedkeyscommanduser", "none"),
    ("authorizedprincipalscommand", "none"),
    ("authorizedprincipalscommanduser", "none"),
    ("hostkeyagent", "none"),
    ("versionaddendum", "none"),
    ("securitykeyprovider", "internal"),
    ("loglevel", "INFO"),
    ("syslogfacility", "AUTH"),
    (
        "authorizedkeysfile",
        ".ssh/authorized_keys .ssh/authorized_keys2",
    ),
    ("authenticationmethods", "any"),
    ("maxstartups", "10:30:100"),
    ("persourcemaxstartups", "none"),
    ("persourcenetblocksize", "32:128"),
    ("permittunnel", "no"),
    ("rekeylimit", "0 0"),
    ("permitopen", "any"),
    ("permitlisten", "any"),
    ("permituserenvironment", "no"),
    ("pubkeyauthoptions", "none"),
    ("unusedconnectiontimeout", "none"),
];

// ---------------------------------------------------------------------------------------
// Value checks

/// The value shape sshd checks for a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `yes` or `no`, any case (`multistate_flag`).
    Flag,
    /// One of these words, any case (sshd's `strcasecmp` multistates).
    OneOf(&'static [&'static str]),
    /// One of these words, exact case (`PermitTunnel` uses `strcmp`).
    OneOfExact(&'static [&'static str]),
    /// A non-negative `int` (`atoi_err`: 0..=INT_MAX).
    Int,
    /// A time spec such as `90`, `1m30s` (`convtime`).
    Time,
    /// A comma-separated algorithm list, optionally starting with `+`, `-` or `^`.
    Algorithms(&'static [&'static str]),
    /// Anything; Ward does not check it (sshd may still reject it).
    Unchecked,
}

const FLAG_WORDS: &[&str] = &["yes", "no"];
const LOG_LEVELS: &[&str] = &[
    "QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3",
];
const LOG_FACILITIES: &[&str] = &[
    "DAEMON", "USER", "AUTH", "AUTHPRIV", "LOCAL0", "LOCAL1", "LOCAL2", "LOCAL3", "LOCAL4",
    "LOCAL5", "LOCAL6", "LOCAL7",
];
/// Ciphers OpenSSH 9.2 knows (`ssh -Q cipher` on Debian 12); names are case-sensitive.
const CIPHERS: &[&str] = &[
    "3des-cbc",
    "aes128-cbc",
    "aes192-cbc",
    "aes256-cbc",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
];
/// MACs OpenSSH 9.2 knows (`ssh -Q mac`).
const MACS: &[&str] = &[
    "hmac-sha1",
    "hmac-sha1-96",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-md5",
    "hmac-md5-96",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "hmac-sha1-96-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-md5-etm@openssh.com",
    "hmac-md5-96-etm@openssh.com",
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
];
/// Key exchange algorithms OpenSSH 9.2p1 on Debian 12 knows (`ssh -Q kex`).
const KEX: &[&str] = &[
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group-exchange-sha256",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
];

fn shape(keyword: &str) -> Shape {
    match keyword {
        "usepam"
        | "hostbasedauthentication"
        | "hostbasedusesnamefrompacketonly"
        | "pubkeyauthentication"
        | "kerberosauthentication"
        | "kerberosorlocalpasswd"
        | "kerberosticketcleanup"
        | "kerberosgetafstoken"
        | "gssapiauthentication"
        | "gssapicleanupcredentials"
        | "gssapistrictacceptorcheck"
        | "gssapikeyexchange"
        | "gssapistorecredentialsonrekey"
        | "passwordauthentication"
        | "kbdinteractiveauthentication"
        | "printmotd"
        | "printlastlog"
        | "ignoreuserknownhosts"
        | "x11forwarding"
        | "x11uselocalhost"
        | "permittty"
        | "permituserrc"
        | "strictmodes"
        | "tcpkeepalive"
        | "permitemptypasswords"
        | "usedns"
        | "allowagentforwarding"
        | "disableforwarding"
        | "streamlocalbindunlink"
        | "exposeauthinfo"
        | "debianbanner" => Shape::Flag,
        "permitrootlogin" => Shape::OneOf(&[
            "without-password",
            "prohibit-password",
            "forced-commands-only",
            "yes",
            "no",
        ]),
        "ignorerhosts" => Shape::OneOf(&["yes", "no", "shosts-only"]),
        "addressfamily" => Shape::OneOf(&["inet", "inet6", "any"]),
        "compression" => Shape::OneOf(&["yes", "delayed", "no"]),
        "gatewayports" => Shape::OneOf(&["clientspecified", "yes", "no"]),
        "allowtcpforwarding" | "allowstreamlocalforwarding" => {
            Shape::OneOf(&["yes", "all", "no", "remote", "local"])
        }
        "permittunnel" => Shape::OneOfExact(&["no", "point-to-point", "ethernet", "yes"]),
        "loglevel" => Shape::OneOf(LOG_LEVELS),
        "syslogfacility" => Shape::OneOf(LOG_FACILITIES),
        "x11displayoffset"
        | "maxauthtries"
        | "maxsessions"
        | "clientalivecountmax"
        | "requiredrsasize" => Shape::Int,
        "logingracetime" | "clientaliveinterval" => Shape::Time,
        "ciphers" => Shape::Algorithms(CIPHERS),
        "macs" => Shape::Algorithms(MACS),
        "kexalgorithms" => Shape::Algorithms(KEX),
        _ => Shape::Unchecked,
    }
}

/// Check the arguments of one line of canonical `keyword` as sshd 9.2 does; `Err` says why
/// sshd rejects the line. Keywords Ward has no rule for are accepted.
pub(super) fn validate(keyword: &str, args: &[String]) -> Result<(), String> {
    let shape = shape(keyword);
    if shape == Shape::Unchecked {
        return Ok(());
    }
    let Some(arg) = args.first().filter(|a| !a.is_empty()) else {
        return Err("missing argument".to_string());
    };
    match shape {
        Shape::Flag => one_of(arg, FLAG_WORDS, false)?,
        Shape::OneOf(words) => one_of(arg, words, false)?,
        Shape::OneOfExact(words) => one_of(arg, words, true)?,
        Shape::Int => {
            parse_int(arg)
                .ok_or_else(|| format!("{arg:?} is not an integer from 0 to 2147483647"))?;
        }
        Shape::Time => {
            parse_time(arg).ok_or_else(|| {
                format!("{arg:?} is not a time value (seconds, or units such as 1m30s)")
            })?;
        }
        Shape::Algorithms(known) => algorithms(arg, known)?,
        Shape::Unchecked => {}
    }
    if args.len() > 1 {
        return Err("extra arguments at end of line".to_string());
    }
    Ok(())
}

fn one_of(arg: &str, words: &[&str], exact: bool) -> Result<(), String> {
    let ok = words.iter().any(|w| {
        if exact {
            *w == arg
        } else {
            w.eq_ignore_ascii_case(arg)
        }
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "unsupported value {arg:?} (accepted: {})",
            words.join(", ")
        ))
    }
}

/// `Ciphers`, `MACs`, `KexAlgorithms`: a list starting with `-` is not checked by sshd 9.2;
/// otherwise (after an optional `+` or `^`) every name up to the first empty one must be
/// known, and the list may not be empty.
fn algorithms(arg: &str, known: &[&str]) -> Result<(), String> {
    if arg.starts_with('-') {
        return Ok(());
    }
    let list = arg.strip_prefix(['+', '^']).unwrap_or(arg);
    if list.is_empty() {
        return Err(format!("bad algorithm list {arg:?}"));
    }
    for name in list.split(',') {
        if name.is_empty() {
            break;
        }
        if !known.contains(&name) {
            return Err(format!("unknown algorithm {name:?} in {arg:?}"));
        }
    }
    Ok(())
}

/// Leading whitespace, an optional sign and decimal digits, as `strtol` reads them; the
/// rest of the string is returned.
fn strtol_prefix(s: &str) -> Option<(i128, &str)> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let (num, rest) = t.split_at(digits);
    // Saturate: anything this long is out of range anyway.
    let n: i128 = num.parse().unwrap_or(i128::MAX / 2);
    Some((if neg { -n } else { n }, rest))
}

/// An integer as sshd's `atoi_err` accepts it (`strtonum(s, 0, INT_MAX)`).
pub(super) fn parse_int(s: &str) -> Option<i64> {
    match strtol_prefix(s) {
        Some((n, "")) if (0..=i128::from(i32::MAX)).contains(&n) => i64::try_from(n).ok(),
        _ => None,
    }
}

/// Whether sshd reads this (lower-case) keyword's value as a time spec (`convtime`).
pub(super) fn is_time(keyword: &str) -> bool {
    matches!(shape(keyword), Shape::Time)
}

/// Seconds of a time spec as sshd's `convtime` reads it: one or more `NUMBER[smhdw]`
/// (units in either case, a bare number is seconds), total at most `INT_MAX`.
pub(super) fn parse_time(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let max = i128::from(i32::MAX);
    let mut total: i128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let (secs, after) = strtol_prefix(rest)?;
        if secs < 0 {
            return None;
        }
        let mut chars = after.chars();
        let (mult, after) = match chars.next() {
            None => (1, after),
            Some('s' | 'S') => (1, chars.as_str()),
            Some('m' | 'M') => (60, chars.as_str()),
            Some('h' | 'H') => (3600, chars.as_str()),
            Some('d' | 'D') => (86_400, chars.as_str()),
            Some('w' | 'W') => (604_800, chars.as_str()),
            Some(_) => return None,
        };
        if secs > max / mult {
            return None;
        }
        let secs = secs * mult;
        if total > max - secs {
            return None;
        }
        total += secs;
        rest = after;
    }
    i64::try_from(total).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(keyword: &str, args: &[&str]) -> Result<(), String> {
        let args: Vec<String> = args.iter().map(|s| (*s).to_string()).collect();
        validate(keyword, &args)
    }

    #[test]
    fn values_are_checked_per_keyword_type() {
        assert!(v("permitrootlogin", &["Prohibit-Password"]).is_ok());
        assert!(v("permitrootlogin", &["wrong_value"]).is_err());
        assert!(v("permitrootlogin", &["no", "yes"]).is_err());
        assert!(v("passwordauthentication", &["YES"]).is_ok());
        assert!(v("passwordauthentication", &["true"]).is_err());
        assert!(v("permittunnel", &["Yes"]).is_err());
        assert!(v("permittunnel", &["point-to-point"]).is_ok());
        assert!(v("maxauthtries", &["0"]).is_ok());
        assert!(v("maxauthtries", &["-1"]).is_err());
        assert!(v("maxauthtries", &["3x"]).is_err());
        assert!(v("maxauthtries", &["2147483648"]).is_err());
        assert!(v("loglevel", &["verbose"]).is_ok());
        assert!(v("loglevel", &["LOUD"]).is_err());
        assert!(v("ciphers", &["aes128-ctr,aes256-gcm@openssh.com"]).is_ok());
        assert!(v("ciphers", &["aes128-cbcPort"]).is_err());
        assert!(v("ciphers", &["-*cbc"]).is_ok());
        assert!(v("ciphers", &["+aes128-cbc"]).is_ok());
        // sshd stops checking at the first empty name.
        assert!(v("ciphers", &["aes128-ctr,,junk"]).is_ok());
        assert!(v("kexalgorithms", &["sntrup761x25519-sha512@openssh.com"]).is_ok());
        assert!(v("banner", &["/etc/issue", "x"]).is_ok());
    }

    #[test]
    fn time_specs_follow_convtime() {
        assert_eq!(parse_time("90"), Some(90));
        assert_eq!(parse_time("1m30s"), Some(90));
        assert_eq!(parse_time("1M30S"), Some(90));
        assert_eq!(parse_time("1h"), Some(3600));
        assert_eq!(parse_time("2w1d"), Some(2 * 604_800 + 86_400));
        assert_eq!(parse_time("0"), Some(0));
        assert_eq!(parse_time(""), None);
        assert_eq!(parse_time("5x"), None);
        assert_eq!(parse_time("-5"), None);
        assert_eq!(parse_time("m"), None);
        assert_eq!(parse_time("99999999999"), None);
        assert_eq!(parse_time("3551w"), None);
        assert_eq!(parse_time("2147483647"), Some(2_147_483_647));
    }
}
