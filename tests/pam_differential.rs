//! Differential test of Ward's PAM model against the real libpam.
//!
//! Each case is a set of service files written to a temporary configuration directory.
//! libpam (`libpam.so.0`, loaded by a helper program) runs them through `pam_start_confdir` and
//! `pam_authenticate` / `pam_acct_mgmt`; Ward parses the same files as a scanned root's
//! `/etc/pam.d`, builds the stack and explores it. Every module is `pam_debug`,
//! `pam_permit` or `pam_deny`, whose return codes are fixed by their arguments, so there is
//! exactly one run and Ward's "some run succeeds" must equal libpam's result. The cases
//! cover comments anywhere, continuation lines, brackets, case, `-` types, jumps (including
//! past the end), `done`/`die`/`reset`/`bad`, includes, substacks, `other`, invalid lines,
//! missing includes and missing modules; then several hundred generated stacks.
//!
//! libpam is part of every Debian system (libpam0g); the test builds a small C helper with
//! the system compiler to call it, and fails, never skips, when either is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use ward::facts::pam::stack::{analyse, build, PamType};
use ward::facts::pam::{collect, Pam};
use ward::facts::Fact;
use ward::host_root::HostRoot;

/// A tiny C program that runs one PAM call through libpam, loaded with dlopen so no
/// development headers are needed. Prints the return code.
const HELPER: &str = r#"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
struct pam_conv { int (*conv)(int, const void **, void **, void *); void *appdata; };
static int no_conv(int n, const void **m, void **r, void *a) { (void)n; (void)m; (void)r; (void)a; return 19; }
int main(int argc, char **argv) {
    if (argc != 4) return 100;
    void *h = dlopen("libpam.so.0", RTLD_NOW);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 101; }
    int (*start)(const char *, const char *, const struct pam_conv *, const char *, void **) = dlsym(h, "pam_start_confdir");
    int (*auth)(void *, int) = dlsym(h, "pam_authenticate");
    int (*acct)(void *, int) = dlsym(h, "pam_acct_mgmt");
    int (*end)(void *, int) = dlsym(h, "pam_end");
    if (!start || !auth || !acct || !end) return 102;
    struct pam_conv conv = { no_conv, 0 };
    void *pamh = 0;
    if (start(argv[2], "nobody", &conv, argv[1], &pamh) != 0) return 103;
    int r = strcmp(argv[3], "account") == 0 ? acct(pamh, 0) : auth(pamh, 0);
    end(pamh, r);
    printf("%d\n", r);
    return 0;
}
"#;

struct Libpam {
    helper: PathBuf,
    _dir: tempfile::TempDir,
}

/// Build the helper with the system C compiler (the one Rust links with).
fn libpam() -> Libpam {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("pamrun.c");
    std::fs::write(&src, HELPER).unwrap();
    let helper = dir.path().join("pamrun");
    let out = Command::new("cc")
        .arg("-o")
        .arg(&helper)
        .arg(&src)
        .arg("-ldl")
        .output()
        .expect("cc must be installed (Rust links with it)");
    assert!(
        out.status.success(),
        "cannot build the libpam helper: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Libpam { helper, _dir: dir }
}

/// libpam's return code for `service` and `kind` with the files in `confdir`.
fn real(lib: &Libpam, confdir: &Path, service: &str, kind: PamType) -> i32 {
    let out = Command::new(&lib.helper)
        .arg(confdir)
        .arg(service)
        .arg(kind.as_str())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "libpam helper failed ({:?}): {} (libpam0g must be installed; Linux-PAM 1.4 or later)",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// Ward's answer: whether some run of the stack succeeds, or the build error.
fn ward_result(pam: &Pam, service: &str, kind: PamType) -> Result<bool, String> {
    let stack = build(pam, service, kind).map_err(|e| e.to_string())?;
    Ok(analyse(&stack, pam, &|_| false).can_succeed)
}

fn run_case(
    lib: &Libpam,
    files: &[(&str, String)],
    service: &str,
    kind: PamType,
) -> (i32, Result<bool, String>) {
    let tmp = tempfile::tempdir().unwrap();
    let confdir = tmp.path().join("etc/pam.d");
    std::fs::create_dir_all(&confdir).unwrap();
    // Module files, so Ward knows which modules exist (the real ones are the system's).
    let moddir = tmp.path().join("lib/x86_64-linux-gnu/security");
    std::fs::create_dir_all(&moddir).unwrap();
    for m in [
        "pam_debug.so",
        "pam_permit.so",
        "pam_deny.so",
        "pam_unix.so",
    ] {
        std::fs::write(moddir.join(m), b"").unwrap();
    }
    // Debian's libpam resolves a relative include in /etc/pam.d even with a configuration
    // directory, so the cases include by absolute path (`@DIR@/name`). The same files are
    // written where that absolute path points inside the scanned root, for Ward.
    let mirror = tmp.path().join(confdir.strip_prefix("/").unwrap());
    std::fs::create_dir_all(&mirror).unwrap();
    for (name, text) in files {
        let text = text.replace("@DIR@", confdir.to_str().unwrap());
        std::fs::write(confdir.join(name), &text).unwrap();
        std::fs::write(mirror.join(name), &text).unwrap();
    }
    let r = real(lib, &confdir, service, kind);
    let root = HostRoot::new(tmp.path()).unwrap();
    let pam = match collect(&root) {
        Fact::Collected { value } => value,
        Fact::Error { reason, .. } => panic!("collect: {reason}"),
    };
    (r, ward_result(&pam, service, kind))
}

fn agree(lib: &Libpam, label: &str, files: &[(&str, String)], service: &str, kind: PamType) {
    let (real, ward) = run_case(lib, files, service, kind);
    let ward_ok = match &ward {
        Ok(b) => *b,
        // Ward refuses to judge (libpam refuses the file): libpam must fail too.
        Err(_) => false,
    };
    assert_eq!(
        real == 0,
        ward_ok,
        "{label}: libpam returned {real}, Ward said {ward:?}\nfiles: {files:#?}"
    );
}

fn f(name: &str, text: &str) -> (&'static str, String) {
    (
        Box::leak(name.to_string().into_boxed_str()),
        text.to_string(),
    )
}

#[test]
fn hand_written_cases_agree_with_libpam() {
    let lib = libpam();
    let auth = PamType::Auth;
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("permit", vec![f("svc", "auth required pam_permit.so\n")]),
        ("deny", vec![f("svc", "auth required pam_deny.so\n")]),
        ("empty service file falls back to other", vec![f("svc", "# nothing\n"), f("other", "auth required pam_permit.so\n")]),
        ("no auth lines: other", vec![f("svc", "account required pam_permit.so\n"), f("other", "auth required pam_deny.so\n")]),
        ("jump over deny", vec![f("svc", "auth [success=1 default=ignore] pam_debug.so auth=success\nauth requisite pam_deny.so\nauth required pam_permit.so\n")]),
        ("jump past the end", vec![f("svc", "auth [success=2 default=ignore] pam_debug.so\nauth required pam_permit.so\n")]),
        ("comment mid-line", vec![f("svc", "auth required pam_permit.so # pam_deny.so\nauth required pam_debug.so auth=success#auth=auth_err\n")]),
        ("continuation", vec![f("svc", "auth required \\\n\n# c\n pam_debug.so \\\n auth=auth_err\nauth required pam_permit.so\n")]),
        ("bracketed keyword", vec![f("svc", "auth [required] pam_permit.so\n")]),
        ("bracketed type", vec![f("svc", "[auth] required pam_permit.so\n")]),
        ("upper-case words", vec![f("svc", "AUTH REQUIRED pam_permit.so\n")]),
        ("dash type", vec![f("svc", "-auth required pam_permit.so\n")]),
        ("unknown type fails", vec![f("svc", "auht required pam_permit.so\nauth required pam_permit.so\n")]),
        ("missing control fails", vec![f("svc", "auth\nauth required pam_permit.so\n")]),
        ("missing module fails", vec![f("svc", "auth required\nauth required pam_permit.so\n")]),
        ("bad control is all bad", vec![f("svc", "auth [success=okay default=ignore] pam_permit.so\nauth required pam_permit.so\n")]),
        ("jump of zero is all bad", vec![f("svc", "auth [success=0 default=ignore] pam_permit.so\nauth required pam_permit.so\n")]),
        ("prefix return value", vec![f("svc", "auth [successful=ok default=ignore] pam_permit.so\nauth required pam_permit.so\n")]),
        ("sufficient ends", vec![f("svc", "auth sufficient pam_permit.so\nauth required pam_deny.so\n")]),
        ("sufficient after failure", vec![f("svc", "auth required pam_deny.so\nauth sufficient pam_permit.so\n")]),
        ("optional failure ignored", vec![f("svc", "auth optional pam_deny.so\nauth required pam_permit.so\n")]),
        ("optional alone", vec![f("svc", "auth optional pam_deny.so\n")]),
        ("ignore only", vec![f("svc", "auth required pam_debug.so auth=ignore\n")]),
        ("ok on failure code", vec![f("svc", "auth [default=ok] pam_deny.so\nauth required pam_permit.so\n")]),
        ("reset", vec![f("svc", "auth required pam_deny.so\nauth [success=reset] pam_permit.so\nauth required pam_permit.so\n")]),
        ("die", vec![f("svc", "auth [success=ok default=die] pam_deny.so\nauth sufficient pam_permit.so\n")]),
        ("done with failure first", vec![f("svc", "auth required pam_deny.so\nauth [success=done] pam_permit.so\n")]),
        ("include", vec![f("svc", "auth include @DIR@/common\nauth required pam_permit.so\n"), f("common", "auth sufficient pam_permit.so\nauth required pam_deny.so\nauth required pam_permit.so\n")]),
        ("substack", vec![f("svc", "auth substack @DIR@/common\nauth required pam_permit.so\n"), f("common", "auth sufficient pam_permit.so\nauth required pam_deny.so\n")]),
        ("substack die stays inside", vec![f("svc", "auth substack @DIR@/common\nauth sufficient pam_permit.so\n"), f("common", "auth requisite pam_deny.so\nauth required pam_permit.so\n")]),
        ("jump over a substack", vec![f("svc", "auth [success=1 default=ignore] pam_permit.so\nauth substack @DIR@/common\nauth required pam_permit.so\n"), f("common", "auth required pam_deny.so\nauth required pam_deny.so\n")]),
        ("jump cannot leave a substack", vec![f("svc", "auth substack @DIR@/common\nauth required pam_permit.so\n"), f("common", "auth [success=2 default=ignore] pam_permit.so\nauth required pam_deny.so\n")]),
        ("include of a missing file", vec![f("svc", "auth include nowhere\nauth required pam_permit.so\n")]),
        ("optional include of a missing file", vec![f("svc", "auth required pam_permit.so\nauth optional pam_wardmissing.so\n")]),
        ("missing module required", vec![f("svc", "auth required pam_permit.so\nauth required pam_wardmissing.so\n")]),
        ("missing module silent type still fails", vec![f("svc", "auth required pam_permit.so\n-auth required pam_wardmissing.so\n")]),
        ("include keeps only its type", vec![f("svc", "auth include @DIR@/common\n"), f("common", "account required pam_deny.so\nauth required pam_permit.so\n")]),
        ("@include takes every line of its type", vec![f("svc", "@include @DIR@/common\nauth required pam_permit.so\n"), f("common", "account required pam_deny.so\nauth [success=1 default=ignore] pam_debug.so auth=auth_err\nauth required pam_deny.so\n")]),
        ("include in other", vec![f("other", "auth include @DIR@/common\n"), f("common", "auth required pam_permit.so\n")]),
        ("new_authtok_reqd", vec![f("svc", "auth required pam_debug.so auth=new_authtok_reqd\nauth required pam_permit.so\n")]),
        ("user_unknown jump", vec![f("svc", "auth [user_unknown=1 success=ok default=bad] pam_debug.so auth=user_unknown\nauth required pam_deny.so\nauth required pam_permit.so\n")]),
    ];
    for (label, files) in &cases {
        agree(&lib, label, files, "svc", auth);
    }
    // The account stack is selected and run the same way.
    agree(
        &lib,
        "account",
        &[f("svc", "auth required pam_deny.so\naccount [success=1 default=ignore] pam_debug.so acct=success\naccount required pam_deny.so\naccount required pam_permit.so\n")],
        "svc",
        PamType::Account,
    );
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const CODES: [&str; 7] = [
    "success",
    "auth_err",
    "ignore",
    "user_unknown",
    "new_authtok_reqd",
    "perm_denied",
    "authinfo_unavail",
];

fn control(r: &mut Rng) -> String {
    let words = [
        "required",
        "requisite",
        "sufficient",
        "optional",
        "Required",
    ];
    if r.below(2) == 0 {
        return r.pick(&words).to_string();
    }
    let actions = ["ok", "done", "bad", "die", "ignore", "reset", "1", "2", "3"];
    let n = 1 + r.below(3);
    let mut parts = Vec::new();
    for _ in 0..n {
        let value = r.pick(&[
            "success",
            "default",
            "auth_err",
            "ignore",
            "user_unknown",
            "new_authtok_reqd",
        ]);
        parts.push(format!("{value}={}", r.pick(&actions)));
    }
    format!("[{}]", parts.join(" "))
}

fn module_line(r: &mut Rng) -> String {
    let m = match r.below(6) {
        0 => "pam_permit.so".to_string(),
        1 => "pam_deny.so".to_string(),
        _ => format!("pam_debug.so auth={}", r.pick(&CODES)),
    };
    format!("auth {} {m}", control(r))
}

fn stack_file(r: &mut Rng, lines: u64, include: Option<&str>) -> String {
    let mut out = String::new();
    for i in 0..lines {
        if let Some(target) = include {
            if i == lines / 2 {
                let how = r.pick(&["include", "substack"]);
                out.push_str(&format!("auth {how} @DIR@/{target}\n"));
                continue;
            }
        }
        let line = module_line(r);
        match r.below(8) {
            0 => out.push_str(&format!("{line} # trailing comment\n")),
            1 => {
                // Continue the line after the control word.
                let (a, b) = line.split_at(line.find(" pam_").unwrap());
                out.push_str(&format!("{a} \\\n   {}\n", b.trim_start()));
            }
            2 => out.push_str(&format!("# {line}\n{line}\n")),
            _ => out.push_str(&format!("{line}\n")),
        }
    }
    out
}

#[test]
fn generated_stacks_agree_with_libpam() {
    let lib = libpam();
    let mut r = Rng(0x5eed_ba5e_d00d_f00d);
    for case in 0..400 {
        let with_include = r.below(3) == 0;
        let outer_len = 1 + r.below(6);
        let mut files = vec![f(
            "svc",
            &stack_file(&mut r, outer_len, with_include.then_some("inner")),
        )];
        if with_include {
            let inner_len = 1 + r.below(4);
            files.push(f("inner", &stack_file(&mut r, inner_len, None)));
        }
        agree(
            &lib,
            &format!("generated case {case}"),
            &files,
            "svc",
            PamType::Auth,
        );
    }
}
