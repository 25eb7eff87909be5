//! Unit tests of the sshd collector: parsing, Include, Match, defaults, sshd -T merging.

use super::parser::{argv_split, load_lines, parse_line};
use super::sshd_t::merge_sshd_t;
use super::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn host(files: &[(&str, &str)]) -> (tempfile::TempDir, HostRoot) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write(dir.path(), path, text.as_bytes());
    }
    let root = HostRoot::new(dir.path()).unwrap();
    (dir, root)
}

fn write(base: &Path, host_path: &str, bytes: &[u8]) {
    let p = base.join(host_path.trim_start_matches('/'));
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

fn config(files: &[(&str, &str)]) -> SshdConfig {
    let (_dir, root) = host(files);
    match collect(&root) {
        Fact::Collected { value } => value,
        Fact::Error { reason, .. } => panic!("unexpected error: {reason}"),
    }
}

fn error(root: &HostRoot) -> (String, bool) {
    match collect(root) {
        Fact::Error {
            reason,
            permission_denied,
        } => (reason, permission_denied),
        Fact::Collected { value } => panic!("expected an error, got {value:?}"),
    }
}

fn warnings(cfg: &SshdConfig) -> Vec<String> {
    cfg.invalid().map(|n| n.message.clone()).collect()
}

fn val<'a>(map: &'a BTreeMap<String, Setting>, key: &str) -> &'a str {
    map.get(key)
        .map(|s| s.value.as_str())
        .unwrap_or_else(|| panic!("{key} not set"))
}

fn origin(map: &BTreeMap<String, Setting>, key: &str) -> String {
    map.get(key)
        .and_then(|s| s.origin.as_ref())
        .map(ToString::to_string)
        .unwrap_or_default()
}

#[test]
fn include_glob_order_and_first_value_wins() {
    let cfg = config(&[
        (
            MAIN_CONFIG,
            "# Debian layout\nInclude /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n\
                 MaxAuthTries 5\nClientAliveInterval 300\n",
        ),
        (
            "/etc/ssh/sshd_config.d/20-b.conf",
            "PermitRootLogin no\nMaxAuthTries 3\n",
        ),
        ("/etc/ssh/sshd_config.d/10-a.conf", "MaxAuthTries 4\n"),
        ("/etc/ssh/sshd_config.d/README", "PermitRootLogin yes\n"),
    ]);
    assert!(cfg.present);
    assert_eq!(
        cfg.files,
        vec![
            MAIN_CONFIG,
            "/etc/ssh/sshd_config.d/10-a.conf",
            "/etc/ssh/sshd_config.d/20-b.conf"
        ]
    );
    assert_eq!(val(&cfg.settings, "permitrootlogin"), "no");
    assert_eq!(
        origin(&cfg.settings, "permitrootlogin"),
        "/etc/ssh/sshd_config.d/20-b.conf:1"
    );
    assert_eq!(val(&cfg.settings, "maxauthtries"), "4");
    assert_eq!(
        origin(&cfg.settings, "maxauthtries"),
        "/etc/ssh/sshd_config.d/10-a.conf:1"
    );
    assert_eq!(val(&cfg.settings, "clientaliveinterval"), "300");
    assert_eq!(
        origin(&cfg.settings, "clientaliveinterval"),
        "/etc/ssh/sshd_config:5"
    );
    assert!(warnings(&cfg).is_empty(), "{:?}", warnings(&cfg));
}

#[test]
fn include_after_settings_loses_to_them() {
    let cfg = config(&[
        (
            MAIN_CONFIG,
            "PasswordAuthentication yes\nInclude sshd_config.d/*.conf\n",
        ),
        (
            "/etc/ssh/sshd_config.d/00-hardening.conf",
            "PasswordAuthentication no\n",
        ),
    ]);
    assert_eq!(val(&cfg.settings, "passwordauthentication"), "yes");
}

#[test]
fn relative_include_is_under_etc_ssh_and_empty_glob_is_fine() {
    let cfg = config(&[
        (
            MAIN_CONFIG,
            "Include sshd_config.d/hardening.conf nothing.d/*.conf /etc/none/*\n",
        ),
        (
            "/etc/ssh/sshd_config.d/hardening.conf",
            "X11Forwarding no\n",
        ),
        // A relative path is never relative to the root or the including file.
        ("/sshd_config.d/hardening.conf", "X11Forwarding yes\n"),
    ]);
    assert_eq!(val(&cfg.settings, "x11forwarding"), "no");
    assert_eq!(
        origin(&cfg.settings, "x11forwarding"),
        "/etc/ssh/sshd_config.d/hardening.conf:1"
    );
    assert_eq!(cfg.files.len(), 2);
}

#[test]
fn wildcard_directory_components_are_expanded() {
    let cfg = config(&[
        (MAIN_CONFIG, "Include /etc/ssh/conf.*/*.conf\n"),
        ("/etc/ssh/conf.b/x.conf", "MaxSessions 2\n"),
        ("/etc/ssh/conf.a/y.conf", "MaxSessions 1\n"),
    ]);
    assert_eq!(val(&cfg.settings, "maxsessions"), "1");
}

#[test]
fn keywords_are_case_insensitive_and_accept_equals() {
    let cfg = config(&[(
        MAIN_CONFIG,
        "pAsSwOrDaUtHeNtIcAtIoN=no\nMaxSessions = 2\nLoginGraceTime =30\n\
             \tX11Forwarding\tno   \r\nPERMITROOTLOGIN no\npermitrootlogin yes\n",
    )]);
    assert_eq!(val(&cfg.settings, "passwordauthentication"), "no");
    assert_eq!(val(&cfg.settings, "maxsessions"), "2");
    assert_eq!(val(&cfg.settings, "logingracetime"), "30");
    assert_eq!(val(&cfg.settings, "x11forwarding"), "no");
    assert_eq!(val(&cfg.settings, "permitrootlogin"), "no");
    assert!(cfg.settings.keys().all(|k| k == &k.to_ascii_lowercase()));
    assert!(warnings(&cfg).is_empty(), "{:?}", warnings(&cfg));
}

#[test]
fn quoted_arguments_and_comments() {
    let cfg = config(&[(
        MAIN_CONFIG,
        "Banner \"/etc/issue net\"\nAllowUsers \"alice\" 'bob' c\\ d\n\
             PermitRootLogin no # trailing comment\n\
             ForceCommand internal-sftp -d \"/srv/a b\"\nMaxSessions \"3\n",
    )]);
    assert_eq!(val(&cfg.settings, "banner"), "/etc/issue net");
    assert_eq!(val(&cfg.settings, "allowusers"), "alice bob c d");
    assert_eq!(val(&cfg.settings, "permitrootlogin"), "no");
    // sshd keeps ForceCommand's rest of line verbatim.
    assert_eq!(
        val(&cfg.settings, "forcecommand"),
        "internal-sftp -d \"/srv/a b\""
    );
    // The unbalanced quote is a warning and the default stands.
    assert_eq!(val(&cfg.settings, "maxsessions"), "10");
    assert_eq!(warnings(&cfg).len(), 1);
    assert!(warnings(&cfg)[0].starts_with("/etc/ssh/sshd_config:5: "));
}

#[test]
fn argv_split_matches_openssh() {
    assert_eq!(
        argv_split(r#"a "b c" 'd e' f\ g h\"i "" #x y"#).unwrap(),
        vec!["a", "b c", "d e", "f g", "h\"i", ""]
    );
    assert_eq!(argv_split("x#y z").unwrap(), vec!["x#y", "z"]);
    assert_eq!(argv_split(r"a\b").unwrap(), vec![r"a\b"]);
    assert!(argv_split("\"open").is_none());
}

#[test]
fn match_blocks_are_kept_separate_with_their_own_first_wins() {
    let cfg = config(&[(
        MAIN_CONFIG,
        "PasswordAuthentication no\n\
             Match User alice,bob\n  PasswordAuthentication yes\n  PasswordAuthentication no\n\
             Match Address 10.0.0.0/8\n  PermitRootLogin yes\n",
    )]);
    assert_eq!(val(&cfg.settings, "passwordauthentication"), "no");
    assert_eq!(
        cfg.settings["permitrootlogin"].source,
        SettingSource::Default
    );
    assert_eq!(cfg.match_blocks.len(), 2);
    let a = &cfg.match_blocks[0];
    assert_eq!(a.criteria, "User alice,bob");
    assert_eq!(a.origin, Origin::at(MAIN_CONFIG, 2));
    assert_eq!(val(&a.settings, "passwordauthentication"), "yes");
    assert_eq!(
        origin(&a.settings, "passwordauthentication"),
        "/etc/ssh/sshd_config:3"
    );
    let b = &cfg.match_blocks[1];
    assert_eq!(b.criteria, "Address 10.0.0.0/8");
    assert_eq!(val(&b.settings, "permitrootlogin"), "yes");
    assert!(!b.settings.contains_key("passwordauthentication"));
}

#[test]
fn match_scope_across_includes() {
    let cfg = config(&[
        (
            MAIN_CONFIG,
            "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\n\
                 Match User bob\nInclude bob.conf\nX11Forwarding yes\n",
        ),
        // A block opened in an included file ends with that file.
        (
            "/etc/ssh/sshd_config.d/a.conf",
            "MaxSessions 4\nMatch User carol\nPermitTTY no\n",
        ),
        // An included file starts in the block of its Include line.
        (
            "/etc/ssh/bob.conf",
            "AllowTcpForwarding no\nMatch Address 10.*\nPermitTTY no\nMatch all\n\
                 GatewayPorts yes\n",
        ),
    ]);
    assert_eq!(val(&cfg.settings, "passwordauthentication"), "no");
    assert_eq!(val(&cfg.settings, "maxsessions"), "4");
    assert_eq!(cfg.settings["permittty"].source, SettingSource::Default);
    assert_eq!(cfg.settings["x11forwarding"].source, SettingSource::Default);
    let criteria: Vec<&str> = cfg
        .match_blocks
        .iter()
        .map(|b| b.criteria.as_str())
        .collect();
    assert_eq!(
        criteria,
        vec!["User carol", "User bob", "User bob Address 10.*"]
    );
    assert_eq!(val(&cfg.match_blocks[0].settings, "permittty"), "no");
    let bob = &cfg.match_blocks[1].settings;
    assert_eq!(val(bob, "allowtcpforwarding"), "no");
    assert_eq!(val(bob, "x11forwarding"), "yes");
    assert_eq!(origin(bob, "x11forwarding"), "/etc/ssh/sshd_config:5");
    // `Match all` inside the included file returns to the outer block, not to global.
    assert_eq!(val(bob, "gatewayports"), "yes");
    assert_eq!(cfg.settings["gatewayports"].source, SettingSource::Default);
    assert_eq!(val(&cfg.match_blocks[2].settings, "permittty"), "no");
}

#[test]
fn match_all_overrides_the_global_section() {
    let cfg = config(&[(
        MAIN_CONFIG,
        "PermitRootLogin yes\nMatch User x\nPermitRootLogin no\nMatch all\n\
             PermitRootLogin prohibit-password\nPort 2222\nMaxAuthTries 3\n",
    )]);
    assert_eq!(cfg.match_blocks.len(), 1);
    assert_eq!(val(&cfg.settings, "permitrootlogin"), "prohibit-password");
    assert_eq!(
        origin(&cfg.settings, "permitrootlogin"),
        "/etc/ssh/sshd_config:5"
    );
    assert_eq!(val(&cfg.settings, "port"), "2222");
    assert_eq!(val(&cfg.settings, "maxauthtries"), "3");
    assert!(cfg
        .notes
        .iter()
        .any(|n| n.kind == NoteKind::MatchAll && n.keyword.as_deref() == Some("permitrootlogin")));
    assert!(warnings(&cfg).is_empty(), "{:?}", warnings(&cfg));
}

#[test]
fn accumulating_first_line_and_last_wins_keywords() {
    let cfg = config(&[(
        MAIN_CONFIG,
        "AllowUsers a b\nPort 22\nAllowUsers c\nPort 2222\nAcceptEnv LANG\nAcceptEnv LC_*\n\
             SetEnv A=1\nSetEnv B=2\nMaxStartups 10:30:60\nMaxStartups 5\n\
             Subsystem sftp /usr/lib/openssh/sftp-server\n",
    )]);
    assert_eq!(val(&cfg.settings, "allowusers"), "a b c");
    assert_eq!(
        origin(&cfg.settings, "allowusers"),
        "/etc/ssh/sshd_config:1"
    );
    assert_eq!(val(&cfg.settings, "port"), "22 2222");
    assert_eq!(val(&cfg.settings, "acceptenv"), "LANG LC_*");
    // OpenSSH 9.2 takes SetEnv from its first line only.
    assert_eq!(val(&cfg.settings, "setenv"), "A=1");
    // ...and assigns MaxStartups on every line.
    assert_eq!(val(&cfg.settings, "maxstartups"), "5");
    assert_eq!(
        origin(&cfg.settings, "maxstartups"),
        "/etc/ssh/sshd_config:10"
    );
    assert_eq!(
        val(&cfg.settings, "subsystem"),
        "sftp /usr/lib/openssh/sftp-server"
    );
}

#[test]
fn defaults_fill_unset_keywords() {
    let cfg = config(&[(MAIN_CONFIG, "UsePAM yes\n")]);
    let prl = &cfg.settings["permitrootlogin"];
    assert_eq!(prl.value, "prohibit-password");
    assert_eq!(prl.source, SettingSource::Default);
    assert_eq!(prl.origin, None);
    assert_eq!(val(&cfg.settings, "usepam"), "yes");
    assert_eq!(cfg.settings["usepam"].source, SettingSource::File);
    for (k, v) in [
        ("passwordauthentication", "yes"),
        ("kbdinteractiveauthentication", "yes"),
        ("maxauthtries", "6"),
        ("loglevel", "INFO"),
        ("maxstartups", "10:30:100"),
        ("authenticationmethods", "any"),
        ("banner", "none"),
    ] {
        assert_eq!(val(&cfg.settings, k), v, "{k}");
    }
    assert!(val(&cfg.settings, "ciphers").starts_with("chacha20-poly1305@openssh.com,"));
    assert!(!val(&cfg.settings, "macs").contains(' '));
    assert!(cfg.match_blocks.is_empty());
}

#[test]
fn renamed_keywords_use_the_current_name() {
    let cfg = config(&[(
        MAIN_CONFIG,
        "ChallengeResponseAuthentication no\nKbdInteractiveAuthentication yes\n\
             PubkeyAcceptedKeyTypes ssh-ed25519\n",
    )]);
    assert_eq!(val(&cfg.settings, "kbdinteractiveauthentication"), "no");
    assert_eq!(val(&cfg.settings, "challengeresponseauthentication"), "no");
    assert_eq!(
        val(&cfg.settings, "pubkeyacceptedalgorithms"),
        "ssh-ed25519"
    );
}

#[test]
fn malformed_lines_are_warnings() {
    let cfg = config(&[(
        MAIN_CONFIG,
        "Port\nFrobnicate yes\n= x\nProtocol 2\nMatch User a\nPort 22\nMatch User\n",
    )]);
    let w = warnings(&cfg).join("\n");
    assert!(w.contains("/etc/ssh/sshd_config:1: no argument"), "{w}");
    assert!(w.contains("/etc/ssh/sshd_config:2: unknown keyword"), "{w}");
    // A leading `=` is skipped: `x` is the keyword, with no argument.
    assert!(
        w.contains("/etc/ssh/sshd_config:3: no argument after keyword \"x\""),
        "{w}"
    );
    assert!(
        w.contains("/etc/ssh/sshd_config:6: Port is not allowed inside a Match"),
        "{w}"
    );
    assert!(
        w.contains("/etc/ssh/sshd_config:7: Bad Match condition: missing Match criteria"),
        "{w}"
    );
    assert!(cfg
        .notes
        .iter()
        .any(|n| n.kind == NoteKind::Ignored && n.message.contains("Protocol is deprecated")));
    // The Port line inside the block is not a global setting.
    assert_eq!(cfg.settings["port"].source, SettingSource::Default);
}

#[test]
fn missing_main_file_is_not_present() {
    let (_dir, root) = host(&[("/etc/ssh/sshd_config.d/a.conf", "Port 22\n")]);
    let Fact::Collected { value } = collect(&root) else {
        panic!("expected a value")
    };
    assert!(!value.present);
    assert!(value.settings.is_empty());
    assert!(value.files.is_empty());
}

#[test]
fn unreadable_included_file_is_an_error() {
    let (dir, root) = host(&[(MAIN_CONFIG, "Include /etc/ssh/sshd_config.d/*.conf\n")]);
    let d = dir.path().join("etc/ssh/sshd_config.d");
    fs::create_dir_all(&d).unwrap();
    let fifo = d.join("50-fifo.conf");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.map(|s| s.success()).unwrap_or(false) {
        let (reason, denied) = error(&root);
        assert!(
            reason.contains("/etc/ssh/sshd_config.d/50-fifo.conf"),
            "{reason}"
        );
        assert!(
            reason.contains("included from /etc/ssh/sshd_config:1"),
            "{reason}"
        );
        assert!(!denied);
        fs::remove_file(&fifo).unwrap();
    }
    // Permission denied (only observable when not running as root).
    let locked = d.join("60-locked.conf");
    fs::write(&locked, "PermitRootLogin yes\n").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if super::super::current_uid() != 0 {
        let (reason, denied) = error(&root);
        assert!(reason.contains("60-locked.conf"), "{reason}");
        assert!(denied);
    }
}

#[test]
fn include_loops_are_errors() {
    let (_d, root) = host(&[
        (MAIN_CONFIG, "Include /etc/ssh/a.conf\n"),
        ("/etc/ssh/a.conf", "Include a.conf\n"),
    ]);
    let (reason, _) = error(&root);
    assert!(reason.contains("Include loop"), "{reason}");
    assert!(
        reason.contains("/etc/ssh/a.conf -> /etc/ssh/a.conf"),
        "{reason}"
    );

    let (_d, root) = host(&[(MAIN_CONFIG, "Include sshd_config\n")]);
    let (reason, _) = error(&root);
    assert!(reason.contains("Include loop"), "{reason}");

    // A chain of distinct files deeper than sshd allows.
    let mut files: Vec<(String, String)> = vec![(MAIN_CONFIG.into(), "Include f1\n".into())];
    for i in 1..=MAX_INCLUDE_DEPTH + 1 {
        files.push((format!("/etc/ssh/f{i}"), format!("Include f{}\n", i + 1)));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (_d, root) = host(&refs);
    let (reason, _) = error(&root);
    assert!(reason.contains("nested Include levels"), "{reason}");

    // Exactly the deepest allowed chain is fine; including one file twice is no loop.
    let mut files: Vec<(String, String)> = vec![(MAIN_CONFIG.into(), "Include f1 f1\n".into())];
    for i in 1..MAX_INCLUDE_DEPTH {
        files.push((format!("/etc/ssh/f{i}"), format!("Include f{}\n", i + 1)));
    }
    files.push((
        format!("/etc/ssh/f{MAX_INCLUDE_DEPTH}"),
        "MaxSessions 1\n".into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (_d, root) = host(&refs);
    let Fact::Collected { value } = collect(&root) else {
        panic!("depth {MAX_INCLUDE_DEPTH} should be accepted")
    };
    assert_eq!(val(&value.settings, "maxsessions"), "1");
}

#[test]
fn fifo_main_file_is_an_error() {
    let (dir, root) = host(&[]);
    fs::create_dir_all(dir.path().join("etc/ssh")).unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.path().join("etc/ssh/sshd_config"))
        .status();
    if made.map(|s| s.success()).unwrap_or(false) {
        let (reason, denied) = error(&root);
        assert!(reason.contains("FIFO"), "{reason}");
        assert!(!denied);
    }
}

/// sshd reads bytes: a Latin-1 comment changes nothing, and a bad byte inside a value makes
/// that value invalid as it would for sshd (never the whole configuration unknown).
#[test]
fn invalid_utf8_is_read_as_bytes() {
    let (dir, root) = host(&[]);
    write(
        dir.path(),
        MAIN_CONFIG,
        b"# R\xe9glage de l'\xe9quipe\nPermitRootLogin no\nInclude x.conf\n",
    );
    write(
        dir.path(),
        "/etc/ssh/x.conf",
        b"# caf\xe9\nPasswordAuthentication no\n",
    );
    let cfg = config_of(&root);
    assert_eq!(val(&cfg.settings, "permitrootlogin"), "no");
    assert_eq!(val(&cfg.settings, "passwordauthentication"), "no");
    assert!(warnings(&cfg).is_empty(), "{:?}", warnings(&cfg));

    let (dir, root) = host(&[]);
    write(dir.path(), MAIN_CONFIG, b"PermitRootLogin n\xf6\n");
    let cfg = config_of(&root);
    assert!(
        warnings(&cfg)
            .iter()
            .any(|w| w.contains("/etc/ssh/sshd_config:1")),
        "{:?}",
        warnings(&cfg)
    );
}

fn config_of(root: &HostRoot) -> SshdConfig {
    match collect(root) {
        Fact::Collected { value } => value,
        Fact::Error { reason, .. } => panic!("unexpected error: {reason}"),
    }
}

#[test]
fn sshd_t_output_wins_and_differences_are_noted() {
    let mut cfg = config(&[(
        MAIN_CONFIG,
        "PermitRootLogin prohibit-password\nPasswordAuthentication yes\nPort 22\n",
    )]);
    merge_sshd_t(
        &mut cfg,
        "port 22\nport 2222\npermitrootlogin without-password\npasswordauthentication no\n\
             loglevel INFO\nnewkeyword on\n",
    );
    let prl = &cfg.settings["permitrootlogin"];
    assert_eq!(prl.value, "prohibit-password");
    assert_eq!(prl.source, SettingSource::SshdT);
    assert_eq!(prl.origin, Some(Origin::at(MAIN_CONFIG, 1)));
    assert_eq!(val(&cfg.settings, "port"), "22 2222");
    assert_eq!(val(&cfg.settings, "passwordauthentication"), "no");
    assert_eq!(cfg.settings["loglevel"].origin, None);
    assert_eq!(val(&cfg.settings, "newkeyword"), "on");
    let disagree: Vec<&str> = cfg
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::SshdTDisagrees)
        .filter_map(|n| n.keyword.as_deref())
        .collect();
    assert_eq!(disagree, vec!["passwordauthentication", "port"]);
    let pa = cfg
        .notes_for("passwordauthentication", NoteKind::SshdTDisagrees)
        .next()
        .unwrap();
    assert_eq!(pa.origin, Some(Origin::at(MAIN_CONFIG, 2)));
    assert!(
        pa.message.contains("sshd -T reports \"no\""),
        "{}",
        pa.message
    );
}

#[test]
fn a_non_live_root_never_runs_sshd() {
    // A fixture with an "sshd" that would leave a mark if it ever ran.
    let (dir, root) = host(&[(MAIN_CONFIG, "Port 22\n")]);
    let fake = dir.path().join("usr/sbin/sshd");
    fs::create_dir_all(fake.parent().unwrap()).unwrap();
    let mark = dir.path().join("ran");
    fs::write(&fake, format!("#!/bin/sh\ntouch {}\n", mark.display())).unwrap();
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    assert!(!root.is_live());
    let Fact::Collected { value } = collect(&root) else {
        panic!("expected a value")
    };
    assert!(!mark.exists());
    assert!(value
        .settings
        .values()
        .all(|s| s.source != SettingSource::SshdT));
}

fn invalid_at(cfg: &SshdConfig) -> Vec<String> {
    cfg.invalid()
        .map(|n| {
            n.origin
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn quoted_keywords_and_a_leading_equals_are_applied() {
    let cfg = config(&[(
        MAIN_CONFIG,
        "\"PermitRootLogin\" yes\nPassword\"Authentication\" yes\n=MaxAuthTries 3\n\
             = X11Forwarding yes\n\"\"LogLevel VERBOSE\n\"Port 22\n",
    )]);
    assert!(warnings(&cfg).is_empty(), "{:?}", warnings(&cfg));
    assert_eq!(val(&cfg.settings, "permitrootlogin"), "yes");
    assert_eq!(
        origin(&cfg.settings, "permitrootlogin"),
        "/etc/ssh/sshd_config:1"
    );
    assert_eq!(val(&cfg.settings, "passwordauthentication"), "yes");
    assert_eq!(val(&cfg.settings, "maxauthtries"), "3");
    assert_eq!(val(&cfg.settings, "x11forwarding"), "yes");
    assert_eq!(val(&cfg.settings, "loglevel"), "VERBOSE");
    // A keyword whose quote never closes is skipped by sshd, silently.
    assert_eq!(cfg.settings["port"].source, SettingSource::Default);
    // `#` only comments a line when it starts the keyword.
    let cfg = config(&[(
        MAIN_CONFIG,
        "\"#PermitRootLogin\" yes\n  # x\nPermitRootLogin no\n",
    )]);
    assert!(warnings(&cfg).is_empty(), "{:?}", warnings(&cfg));
    assert_eq!(val(&cfg.settings, "permitrootlogin"), "no");
}

#[test]
fn a_nul_byte_ends_the_line_and_joins_the_next() {
    let (lines, cut) = load_lines("Ciphers aes128-cbc\0,aes256-ctr\nPort 22\n  X 1\n");
    assert_eq!(lines, vec!["Ciphers aes128-cbcPort 22", "X 1", ""]);
    assert_eq!(cut, vec![1]);

    let cfg = config(&[(MAIN_CONFIG, "Port 22\nCiphers aes128-cbc\0,aes256-ctr")]);
    assert!(warnings(&cfg).is_empty(), "{:?}", warnings(&cfg));
    assert_eq!(val(&cfg.settings, "ciphers"), "aes128-cbc");
    assert!(cfg
        .notes
        .iter()
        .any(|n| n.kind == NoteKind::Ignored && n.message.contains("NUL")));

    // With a line after it, the next line is glued on: sshd rejects the result.
    let cfg = config(&[(MAIN_CONFIG, "Ciphers aes128-cbc\0,aes256-ctr\nPort 22\n")]);
    assert_eq!(invalid_at(&cfg), vec!["/etc/ssh/sshd_config:1"]);
}

#[test]
fn every_occurrence_is_validated_and_conflicts_are_noted() {
    let cfg = config(&[(
        MAIN_CONFIG,
        "PermitRootLogin no\nPermitRootLogin wrong_value\nMaxAuthTries 0\n\
             PasswordAuthentication no\nPasswordAuthentication yes\nLoginGraceTime 1m30s\n\
             ClientAliveInterval 5x\nMatch User bob\nX11Forwarding maybe\nCiphers aes128-ctr\n",
    )]);
    assert_eq!(
        invalid_at(&cfg),
        vec![
            "/etc/ssh/sshd_config:2",
            "/etc/ssh/sshd_config:7",
            "/etc/ssh/sshd_config:9",
            "/etc/ssh/sshd_config:10"
        ]
    );
    let prl = cfg
        .notes_for("permitrootlogin", NoteKind::Invalid)
        .next()
        .unwrap();
    assert!(prl.message.contains("wrong_value"), "{}", prl.message);
    assert_eq!(val(&cfg.settings, "permitrootlogin"), "no");
    assert_eq!(val(&cfg.settings, "maxauthtries"), "0");
    assert_eq!(val(&cfg.settings, "logingracetime"), "1m30s");
    let conflict = cfg
        .notes_for("passwordauthentication", NoteKind::Conflict)
        .next()
        .unwrap();
    assert_eq!(conflict.origin, Some(Origin::at(MAIN_CONFIG, 5)));
    assert_eq!(val(&cfg.settings, "passwordauthentication"), "no");
}

#[test]
fn match_criteria_are_read_like_sshd() {
    let cfg = config(&[(
        MAIN_CONFIG,
        "Match User=root Address 10.0.0.0/8\nPermitRootLogin yes\n\
             Match LocalPort 22 # comment\nMaxAuthTries 2\n",
    )]);
    assert!(warnings(&cfg).is_empty(), "{:?}", warnings(&cfg));
    assert_eq!(cfg.match_blocks[0].criteria, "User root Address 10.0.0.0/8");
    assert_eq!(cfg.match_blocks[1].criteria, "LocalPort 22");
    for bad in [
        "Match Colour red",
        "Match all User x",
        "Match LocalPort x",
        "Match",
    ] {
        let cfg = config(&[(MAIN_CONFIG, &format!("{bad}\nMaxAuthTries 2\n"))]);
        assert_eq!(invalid_at(&cfg), vec!["/etc/ssh/sshd_config:1"], "{bad}");
    }
}

#[test]
fn default_kex_includes_sntrup761() {
    let cfg = config(&[(MAIN_CONFIG, "Port 22\n")]);
    assert!(val(&cfg.settings, "kexalgorithms")
        .split(',')
        .any(|a| a == "sntrup761x25519-sha512@openssh.com"));
}

#[test]
fn client_alive_timeout_is_derived() {
    let t = |text: &str| {
        let cfg = config(&[(MAIN_CONFIG, text)]);
        val(&cfg.settings, CLIENT_ALIVE_TIMEOUT).to_string()
    };
    assert_eq!(t("ClientAliveInterval 300\nClientAliveCountMax 2\n"), "900");
    assert_eq!(t("ClientAliveInterval 5m\n"), "1200");
    assert_eq!(
        t("ClientAliveInterval 900\nClientAliveCountMax 100\n"),
        "90900"
    );
    assert_eq!(
        t("ClientAliveInterval 300\nClientAliveCountMax 0\n"),
        "none"
    );
    assert_eq!(t("Port 22\n"), "none");
    let cfg = config(&[(
        MAIN_CONFIG,
        "ClientAliveInterval 60\nMatch User bob\nClientAliveCountMax 50\n",
    )]);
    assert_eq!(val(&cfg.settings, CLIENT_ALIVE_TIMEOUT), "240");
    assert_eq!(
        val(&cfg.match_blocks[0].settings, CLIENT_ALIVE_TIMEOUT),
        "3060"
    );
}

#[test]
fn looping_directory_symlinks_in_an_include_glob_are_bounded() {
    // Three links per level exhaust the directory listings, twelve the path count.
    for (links, limit) in [
        (3, format!("more than {MAX_GLOB_DIRS} directories listed")),
        (12, format!("more than {MAX_GLOB_PATHS} paths matched")),
    ] {
        let (dir, root) = host(&[(MAIN_CONFIG, "Include /loop/*/*/*/*/*/*/*/*/*.conf\n")]);
        let loop_dir = dir.path().join("loop");
        fs::create_dir_all(&loop_dir).unwrap();
        for i in 0..links {
            std::os::unix::fs::symlink(".", loop_dir.join(format!("l{i}"))).unwrap();
        }
        let (reason, _) = error(&root);
        assert!(
            reason.contains("Include /loop/*/*/*/*/*/*/*/*/*.conf"),
            "{reason}"
        );
        assert!(reason.contains(&limit), "{reason}");
    }

    // The wall-time limit names itself too.
    let (_dir, root) = host(&[(MAIN_CONFIG, "Include /x/*/*.conf\n")]);
    match parser::parse_config_within(&root, std::time::Duration::ZERO) {
        Err(abort) => assert!(
            abort.reason.contains("took longer than"),
            "{}",
            abort.reason
        ),
        Ok(cfg) => panic!("expected a time-out, got {cfg:?}"),
    }

    // Fan-out within the limits still works and keeps glob(3)'s order.
    let (_dir, root) = host(&[
        (MAIN_CONFIG, "Include /etc/ssh/d*/*/*.conf\n"),
        ("/etc/ssh/d1/b/x.conf", "MaxSessions 1\n"),
        ("/etc/ssh/d1/a/.hidden.conf", "MaxSessions 7\n"),
        ("/etc/ssh/d0/z/y.conf", "MaxSessions 2\n"),
    ]);
    let Fact::Collected { value } = collect(&root) else {
        panic!("expected a value")
    };
    assert_eq!(val(&value.settings, "maxsessions"), "2");
    assert_eq!(value.files.len(), 3);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
    #[test]
    fn arbitrary_text_never_panics(text in "(?s)[\u{0} \t\r\n=#\"'\\\\a-zA-Z0-9/*.~\u{e9}\u{0c}]{0,200}") {
        let (_dir, root) = host(&[
            (MAIN_CONFIG, text.as_str()),
            ("/etc/ssh/x", text.as_str()),
        ]);
        let _ = collect(&root);
        for line in text.split('\n') {
            let _ = parse_line(line);
        }
    }
}

#[test]
fn authentication_methods_read_as_chains_for_mfa() {
    use super::mfa_of;
    assert_eq!(mfa_of("any"), "none");
    assert_eq!(mfa_of("publickey"), "none");
    assert_eq!(mfa_of("publickey,password"), "key-and-second");
    assert_eq!(
        mfa_of("publickey,keyboard-interactive:pam hostbased,password"),
        "key-and-second"
    );
    // One chain with a key alone is enough to log in with one factor.
    assert_eq!(mfa_of("publickey,password publickey"), "none");
    // Two keys are one kind of factor.
    assert_eq!(mfa_of("publickey,publickey"), "none");
    assert_eq!(
        mfa_of("keyboard-interactive publickey,keyboard-interactive"),
        "keyboard-interactive"
    );
    assert_eq!(
        mfa_of("password,keyboard-interactive"),
        "keyboard-interactive"
    );
    assert_eq!(mfa_of("password"), "none");
}
