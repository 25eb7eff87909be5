//! crypttab: Ward's reading against systemd's own parser, `systemd-cryptsetup-generator`
//! (systemd 252, Debian 12), run with `SYSTEMD_CRYPTTAB=FILE` into a temporary directory:
//! each `systemd-cryptsetup@NAME.service` it writes carries `ExecStart=… attach 'NAME'
//! 'DEVICE' 'KEYFILE' 'OPTIONS'`, and Ward must find the same entries (names, devices with
//! `UUID=`/`PARTUUID=`/`LABEL=` turned into udev links, key files, options) and ignore the
//! same lines. The generator is part of the systemd package every Debian host has; the
//! test fails, never skips, when it is missing. Also: the live collector runs on this
//! machine without panicking and never calls a file system encrypted without a dm-crypt
//! device beneath it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use ward::facts::crypttab::{collect, parse_crypttab};
use ward::facts::Fact;
use ward::host_root::HostRoot;

const GENERATOR: &str = "/lib/systemd/system-generators/systemd-cryptsetup-generator";

/// name -> (device, keyfile, options) from the units the generator writes.
fn generator(crypttab: &str) -> BTreeMap<String, (String, String, String)> {
    assert!(
        Path::new(GENERATOR).exists(),
        "{GENERATOR} (Debian package systemd) must be installed"
    );
    let dir = tempfile::tempdir().unwrap();
    let tab = dir.path().join("crypttab");
    std::fs::write(&tab, crypttab).unwrap();
    let out: Vec<_> = ["a", "b", "c"].iter().map(|d| dir.path().join(d)).collect();
    for o in &out {
        std::fs::create_dir(o).unwrap();
    }
    let status = Command::new(GENERATOR)
        .args(&out)
        .env("SYSTEMD_CRYPTTAB", &tab)
        .env("SYSTEMD_LOG_LEVEL", "err")
        .output()
        .unwrap();
    // A second entry of one name: the generator reports that it cannot write the unit
    // again, exits 1 and keeps the first.
    assert!(
        status.status.success() || String::from_utf8_lossy(&status.stderr).contains("File exists"),
        "{status:?}"
    );
    let mut units = BTreeMap::new();
    for e in std::fs::read_dir(&out[0]).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("systemd-cryptsetup@") || !e.file_type().unwrap().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap();
        let exec = text
            .lines()
            .find_map(|l| l.strip_prefix("ExecStart="))
            .unwrap();
        let args: Vec<String> = exec
            .split('\'')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, s)| s.to_string())
            .collect();
        units.insert(
            args[0].clone(),
            (args[1].clone(), args[2].clone(), args[3].clone()),
        );
    }
    units
}

/// Ward's entries in the generator's terms.
fn ward(crypttab: &str) -> BTreeMap<String, (String, String, String)> {
    let (entries, _) = parse_crypttab("/etc/crypttab", crypttab);
    let mut out = BTreeMap::new();
    for e in entries {
        let dev = if let Some(u) = e.device.strip_prefix("UUID=") {
            format!("/dev/disk/by-uuid/{u}")
        } else if let Some(u) = e.device.strip_prefix("PARTUUID=") {
            format!("/dev/disk/by-partuuid/{u}")
        } else if let Some(u) = e.device.strip_prefix("LABEL=") {
            format!("/dev/disk/by-label/{u}")
        } else if let Some(u) = e.device.strip_prefix("PARTLABEL=") {
            format!("/dev/disk/by-partlabel/{u}")
        } else {
            e.device.clone()
        };
        // The first entry of a name wins (the generator cannot write the unit twice).
        out.entry(e.name.clone())
            .or_insert((dev, e.keyfile.clone(), e.options.join(",")));
    }
    // The generator passes `none`/`-` through; Ward records no key file for either.
    out.into_iter()
        .map(|(k, (d, key, o))| (k, (d, key.unwrap_or_default(), o)))
        .collect()
}

#[test]
fn crypttab_agrees_with_systemd_cryptsetup_generator() {
    let cases = [
        "# <target name> <source device> <key file> <options>\nsda5_crypt UUID=1234-abcd none luks,discard\n",
        "  \tswap /dev/sdb2 /dev/urandom swap,cipher=aes-xts-plain64 extra fields\nlonely\n",
        "data PARTUUID=0f1e-01 -\nweird\tLABEL=x\t/etc/keys/k noauto,nofail\n",
        "two PARTLABEL=p\n# comment\n\n   # indented comment\nthree /dev/sdc1 none\n",
        "dup /dev/sdd1 none luks\ndup /dev/sde1 none plain\n",
        "crlf /dev/sdf1 none luks\r\n",
    ];
    for c in cases {
        let mut real = generator(c);
        for (_, key, _) in real.values_mut() {
            if key == "none" || key == "-" {
                key.clear();
            }
        }
        assert_eq!(ward(c), real, "{c:?}");
    }
}

#[test]
fn live_collection_never_invents_encryption() {
    let fact = collect(&HostRoot::live());
    let Fact::Collected { value } = fact else {
        panic!("{fact:?}")
    };
    let live = value
        .live
        .expect("the live host is read")
        .expect("sysfs readable");
    for m in &live.mounts {
        for c in &m.crypt {
            let node = c.split(' ').next().unwrap();
            let dev = live.devices.iter().find(|d| d.node == node).unwrap();
            assert!(dev.uuid.starts_with("CRYPT-"), "{m:?}");
        }
    }
}
