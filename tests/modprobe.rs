//! Differential: kmod's own `modprobe -c` (the configuration as modprobe applies it) against
//! Ward's reading of the same modprobe.d directories, on tricky inputs: continuation lines,
//! dropped backslashes, NUL bytes, comments that are not comments to kmod, missing
//! arguments, unknown commands, dashes in names, and one file name in two directories (the
//! first directory wins). When modprobe is absent the test says it did not run, and fails
//! when `CI=true` (CI installs kmod).

use std::path::Path;
use std::process::Command;

use ward::facts::modprobe::{self, Modprobe};
use ward::facts::Fact;
use ward::host_root::HostRoot;

const MODPROBE: &str = "/usr/sbin/modprobe";

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// (install and blacklist lines, ignored (file, line)) as `modprobe -c -C DIR…` prints them.
fn kmod(root: &Path) -> (Vec<String>, Vec<(String, usize)>) {
    let mut cmd = Command::new(MODPROBE);
    cmd.arg("-c");
    for d in modprobe::DIRS {
        cmd.arg("-C").arg(root.join(d.trim_start_matches('/')));
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = stdout
        .lines()
        .take_while(|l| !l.starts_with("# End of configuration files"))
        .filter(|l| l.starts_with("install ") || l.starts_with("blacklist "))
        .map(str::to_string)
        .collect();
    let prefix = root.display().to_string();
    let ignored = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| {
            // "... kmod_config_parse: /root/etc/modprobe.d/x.conf line 2: ignoring bad line ..."
            let (_, rest) = l.split_once("kmod_config_parse: ")?;
            let (file, rest) = rest.split_once(" line ")?;
            let (n, _) = rest.split_once(':')?;
            Some((file.strip_prefix(&prefix)?.to_string(), n.parse().ok()?))
        })
        .collect();
    (lines, ignored)
}

fn ward(root: &Path) -> Modprobe {
    let Fact::Collected { value } = modprobe::collect(&HostRoot::new(root).unwrap()) else {
        panic!("modprobe configuration not collected")
    };
    value
}

#[test]
fn modprobe_agrees_on_tricky_configuration() {
    if !Path::new(MODPROBE).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {MODPROBE} is absent: the modprobe differential test did not run"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("modprobe differential test NOT RUN: {MODPROBE} is absent");
        }
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(
        r,
        "/etc/modprobe.d/10-a.conf",
        b"# comment\n  # indented: a bad line to kmod\ninstall usb-storage /bin/false\n\
          install cramfs \\\n  /bin/true\nblacklist hfs\\plus\ninstall\ninstall udf\n\
          bogus x\ninstall free-vxfs\t/bin/false\x00 hidden after NUL\n\
          install   sctp    /bin/false   extra words\nblacklist\tdccp trailing\n\
          options rds x=1\nalias foo-bar rds\ninstall a] /bin/false\n",
    );
    write(
        r,
        "/usr/lib/modprobe.d/10-a.conf",
        b"install hidden /bin/false\n",
    );
    write(
        r,
        "/usr/lib/modprobe.d/20-b.conf",
        b"install tipc /bin/true\nblacklist jffs2\n",
    );
    write(
        r,
        "/run/modprobe.d/.hidden.conf",
        b"install dot /bin/false\n",
    );
    write(
        r,
        "/run/modprobe.d/notconf.txt",
        b"install txt /bin/false\n",
    );
    write(r, "/etc/modprobe.d/05-z.conf", b"install rds /bin/false\n");

    let (kmod_lines, mut kmod_ignored) = kmod(r);
    let m = ward(r);
    let mut ward_lines: Vec<String> = m
        .blacklists
        .iter()
        .map(|d| format!("blacklist {}", d.module))
        .collect();
    ward_lines.extend(m.installs.iter().map(|d| {
        format!(
            "install {} {}",
            d.module,
            d.command.as_deref().unwrap_or_default()
        )
    }));
    // modprobe -c prints the blacklists first, then the install commands, each in the
    // order read.
    assert!(kmod_lines.len() >= 8, "{kmod_lines:?}");
    assert_eq!(ward_lines, kmod_lines);
    let mut ward_ignored: Vec<(String, usize)> = m
        .ignored
        .iter()
        .filter(|i| i.origin.line.is_some())
        .map(|i| (i.origin.path.to_string(), i.origin.line.unwrap()))
        .collect();
    ward_ignored.sort();
    kmod_ignored.sort();
    assert!(kmod_ignored.len() >= 5, "{kmod_ignored:?}");
    assert_eq!(ward_ignored, kmod_ignored);
    // The hidden duplicate is named.
    assert!(m
        .ignored
        .iter()
        .any(|i| i.origin.path == "/usr/lib/modprobe.d/10-a.conf"
            && i.reason.contains("hidden by /etc/modprobe.d/10-a.conf")));
}

/// A directory named like a configuration file is skipped and hides nothing; a
/// configuration path that is a file is read as one file; both as kmod does.
#[test]
fn directories_named_conf_are_skipped_and_hide_nothing() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    std::fs::create_dir_all(r.join("etc/modprobe.d/cis.conf")).unwrap();
    write(
        r,
        "/usr/lib/modprobe.d/cis.conf",
        b"install cramfs /bin/false\n",
    );
    write(r, "/run/modprobe.d", b"install udf /bin/true\n");
    let m = ward(r);
    let installs: Vec<&str> = m.installs.iter().map(|d| d.module.as_str()).collect();
    // Files are read in name order: `cis.conf` before the file `modprobe.d`.
    assert_eq!(installs, ["cramfs", "udf"]);
    assert!(m
        .ignored
        .iter()
        .any(|i| i.origin.path == "/etc/modprobe.d/cis.conf" && i.reason.contains("directory")));
    if Path::new(MODPROBE).exists() {
        let (lines, _) = kmod(r);
        assert_eq!(
            lines,
            ["install cramfs /bin/false", "install udf /bin/true"]
        );
    }
}

/// `modprobe -n -v` (a dry run) says what loading each module by name would run: an
/// `install` command or `insmod`. Against a module tree of stand-in files indexed by the
/// real `depmod`, Ward's choice of install command for every module the catalogue
/// disables must be kmod's (patterns, the first match winning, dashes, continuations,
/// blacklist alone not stopping a load by name).
#[test]
fn modprobe_dry_run_runs_the_install_command_ward_names() {
    if !Path::new(MODPROBE).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {MODPROBE} is absent: the modprobe dry-run test did not run"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("modprobe dry-run test NOT RUN: {MODPROBE} is absent");
        }
        return;
    }
    let modules = [
        "cramfs",
        "freevxfs",
        "hfs",
        "hfsplus",
        "jffs2",
        "squashfs",
        "udf",
        "usb_storage",
        "dccp",
        "sctp",
        "rds",
        "tipc",
    ];
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let version = "6.1.0-ward";
    let kdir = format!("/lib/modules/{version}");
    let mut dep = String::new();
    for m in modules {
        write(r, &format!("{kdir}/kernel/x/{m}.ko"), b"stand-in");
        dep.push_str(&format!("kernel/x/{m}.ko:\n"));
    }
    write(r, &format!("{kdir}/modules.dep"), dep.as_bytes());
    let depmod = Command::new("/usr/sbin/depmod")
        .arg("-b")
        .arg(r)
        .arg(version)
        .output()
        .expect("depmod (kmod) must be installed");
    assert!(
        r.join(&kdir[1..]).join("modules.dep.bin").exists(),
        "depmod wrote no index: {}",
        String::from_utf8_lossy(&depmod.stderr)
    );
    write(
        r,
        "/etc/modprobe.d/10-cis.conf",
        b"install cram* /bin/true\ninstall udf /bin/false\ninstall udf /bin/true\n\
          install usb-storage \\\n /bin/false\nblacklist squashfs\ninstall hfs[p]lus /bin/false\n\
          install free?xfs /usr/bin/logger -t blocked\n",
    );
    write(
        r,
        "/usr/lib/modprobe.d/50-vendor.conf",
        b"install dccp /bin/true\ninstall sctp /sbin/modprobe --ignore-install sctp\n",
    );
    write(
        r,
        "/etc/modprobe.d/20-more.conf",
        b"install tipc /bin/false\ninstall rds /bin/false\n",
    );
    let m = ward(r);
    for name in modules {
        let mut cmd = Command::new(MODPROBE);
        cmd.args(["-n", "-v", "-d"]).arg(r).args(["-S", version]);
        for d in modprobe::DIRS {
            cmd.arg("-C").arg(r.join(d.trim_start_matches('/')));
        }
        let out = cmd.arg(name).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let first = stdout
            .lines()
            .next()
            .unwrap_or_default()
            .trim_end()
            .to_string();
        let kmod = if let Some(c) = first.strip_prefix("install ") {
            format!("install {}", c.trim())
        } else if first.starts_with("insmod ") {
            "insmod".to_string()
        } else {
            panic!(
                "{name}: modprobe -n -v said {stdout:?} {:?}",
                String::from_utf8_lossy(&out.stderr)
            )
        };
        let ours = match m.install_for(name) {
            Some(d) => format!("install {}", d.command.as_deref().unwrap_or("").trim()),
            None => "insmod".to_string(),
        };
        assert_eq!(ours, kmod, "{name}");
    }
}
