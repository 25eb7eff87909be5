//! SSH checks on variants of the catalogue's own fixtures that the fixture lists cannot
//! express (they hold only pass and fail cases): an image with no host keys yet.

use ward::catalogue::fixtures::Fixture;
use ward::catalogue::Catalogue;
use ward::eval::{self, Outcome};
use ward::facts;
use ward::host_root::HostRoot;

/// The outcome of `check` on fixture `name` after `edit`.
fn outcome(check: &str, name: &str, edit: impl FnOnce(&mut Fixture)) -> (Outcome, String) {
    let cat = Catalogue::builtin().unwrap();
    let c = &cat.checks[check];
    let mut fixture = Fixture::resolved(name, &cat.fixtures).unwrap();
    edit(&mut fixture);
    let dir = tempfile::tempdir().unwrap();
    fixture.materialise(name, dir.path(), false).unwrap();
    let root = HostRoot::new(dir.path()).unwrap();
    let facts = facts::collect(&root, &cat.plan([c]));
    let params = ward::catalogue::Selection::default().params_for(c);
    let finding = eval::evaluate_check(c, c.severity, params, &facts);
    (finding.outcome, finding.reason)
}

#[test]
fn host_key_permissions_without_host_keys_is_not_applicable() {
    let (got, why) = outcome("ssh.host-key-permissions", "ssh-hardened", |f| {
        f.files.retain(|p, _| !p.starts_with("/etc/ssh/ssh_host_"));
        f.modes.retain(|p, _| !p.starts_with("/etc/ssh/ssh_host_"));
        f.owners.retain(|p, _| !p.starts_with("/etc/ssh/ssh_host_"));
    });
    assert_eq!(got, Outcome::NotApplicable, "{why}");
    // With the keys in place the check still applies (and passes on the hardened host).
    let (got, why) = outcome("ssh.host-key-permissions", "ssh-hardened", |_| {});
    assert_eq!(got, Outcome::Pass, "{why}");
}

#[test]
fn an_invalid_line_anywhere_makes_ssh_checks_errors() {
    // A later duplicate with a value sshd rejects: sshd refuses the whole file.
    let (got, why) = outcome("ssh.root-login", "ssh-hardened", |f| {
        f.files.insert(
            "/etc/ssh/sshd_config.d/90-late.conf".into(),
            "PermitRootLogin wrong_value\n".into(),
        );
    });
    assert_eq!(got, Outcome::Error, "{why}");
    assert!(
        why.contains("/etc/ssh/sshd_config.d/90-late.conf:1"),
        "{why}"
    );
    // A quoted keyword is applied by sshd, so it is judged, not reported as broken.
    let (got, why) = outcome("ssh.root-login", "ssh-hardened", |f| {
        f.files.insert(
            "/etc/ssh/sshd_config.d/00-early.conf".into(),
            "\"PermitRootLogin\" yes\n".into(),
        );
    });
    assert_eq!(got, Outcome::Fail, "{why}");
}
