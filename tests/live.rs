//! Live scans of the machine running the tests: as the current user, and as an unprivileged
//! user. An unprivileged scan must complete, report what it could not read as `error` with
//! the reason, and say which checks need root.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use serde_json::Value;

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        .unwrap()
}

/// Copying an executable while another test thread forks can make the exec fail with
/// "text file busy" (the child briefly holds the copy's write descriptor); scans run one at
/// a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn scan_live(wrapper: &[&str]) -> (Option<i32>, String, Value) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = tempfile::tempdir().unwrap();
    // The checkout may sit below a directory other users cannot enter (e.g. /root): run a
    // copy of the binary from a world-readable place.
    let bin_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = bin_dir.path().join("ward");
    std::fs::copy(env!("CARGO_BIN_EXE_ward"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Writable by the unprivileged user; sticky like /tmp, since Ward refuses to write into a
    // world-writable directory without the sticky bit.
    std::fs::set_permissions(out.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let (prog, args) = match wrapper.split_first() {
        Some((p, rest)) => (p.to_string(), rest.iter().map(|s| s.to_string()).collect()),
        None => (bin.display().to_string(), Vec::<String>::new()),
    };
    let mut cmd = Command::new(prog);
    cmd.args(args);
    if !wrapper.is_empty() {
        cmd.arg(&bin);
    }
    let output = cmd
        .args(["scan", "--color", "never", "--output"])
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = std::fs::read_to_string(out.path().join("report.json"))
        .unwrap_or_else(|e| panic!("no report.json ({e}); stdout:\n{stdout}\nstderr:\n{stderr}"));
    (
        output.status.code(),
        stdout,
        serde_json::from_str(&json).unwrap(),
    )
}

#[test]
fn live_scan_writes_all_three_reports() {
    let (code, stdout, report) = scan_live(&[]);
    assert!(matches!(code, Some(0..=2)), "{code:?}\n{stdout}");
    assert_eq!(report["host"]["live"], true);
    assert_eq!(report["host"]["root"], "/");
    let total = report["summary"]["total"].as_u64().unwrap();
    assert!(total >= 30, "{total} checks evaluated");
    assert!(stdout.contains("Reports:"), "{stdout}");
}

#[test]
fn unprivileged_live_scan_reports_what_needs_root() {
    let wrapper: Vec<&str> = if is_root() {
        // Drop to nobody for the scan; the binary and the output dir are world-accessible.
        vec![
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
        ]
    } else {
        Vec::new()
    };
    let (code, stdout, report) = scan_live(&wrapper);
    assert!(matches!(code, Some(0..=2)), "{code:?}\n{stdout}");
    assert_eq!(report["host"]["privileged"], false);
    // /etc/shadow is unreadable to nobody: the shadow-based checks are errors needing root.
    let needs_root: Vec<&str> = report["summary"]["needs_root"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        needs_root.contains(&"accounts.empty-passwords"),
        "{needs_root:?}"
    );
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "accounts.empty-passwords")
        .unwrap();
    assert_eq!(f["outcome"], "error");
    assert!(
        f["reason"].as_str().unwrap().contains("permission denied"),
        "{f}"
    );
    assert!(stdout.contains("Needs root"), "{stdout}");
    assert!(stdout.contains("accounts.empty-passwords"), "{stdout}");
}

/// `ward controls test` as an unprivileged user: fixture owners are served by the fixture
/// host instead of chown, so nothing is skipped and every ownership check is proven.
#[test]
fn controls_test_as_nobody_skips_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bin_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = bin_dir.path().join("ward");
    std::fs::copy(env!("CARGO_BIN_EXE_ward"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--reset-env",
        ])
        .arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    let output = cmd
        .args(["controls", "test"])
        .current_dir(bin_dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(" 0 failed, 0 skipped; 0 check(s) unproven"),
        "{stdout}"
    );
}
