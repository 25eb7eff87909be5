//! Disk encryption: which block devices are opened with dm-crypt at boot (`/etc/crypttab`,
//! Alpine's `/etc/conf.d/dmcrypt`), which LVM volume groups sit on them (`/etc/lvm/backup`),
//! and, on the live host, which mounted file systems sit on a dm-crypt device.
//!
//! A stolen or badly disposed disk from a server holding patient data is a reportable
//! breach unless its contents were encrypted. What the boot unlocks is read as systemd
//! 252's `systemd-cryptsetup-generator` reads crypttab(5): a line is stripped of blanks,
//! skipped when empty or starting with `#`, and split into `name device [keyfile
//! [options]]` (fewer than two fields: "Failed to parse", the line is ignored; more than
//! four are not read); a key file of `none` or `-` means none; `UUID=`, `PARTUUID=`,
//! `LABEL=` and `PARTLABEL=` devices are udev links. Each entry becomes `/dev/mapper/NAME`.
//! Key files are named, never read.
//!
//! LVM's metadata backups (`/etc/lvm/backup/VG`, written by every LVM change) name each
//! volume group's physical volumes with the device path they were last seen at
//! (`device = "/dev/mapper/sda5_crypt"`), which is how Debian's "guided, encrypted LVM"
//! install can be proven offline: `/` on `/dev/mapper/VG-root`, VG on `sda5_crypt`,
//! `sda5_crypt` in crypttab.
//!
//! Live (the root is `/`): `/proc/self/mountinfo` gives each mount's device number,
//! `/sys/dev/block/MAJ:MIN` its block device; a device-mapper device's `dm/uuid` says what
//! it is (`CRYPT-LUKS2-…`, `CRYPT-PLAIN-…`, `LVM-…`) and `slaves/` what it sits on, followed
//! down to the disks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{HostRoot, ReadError};

/// The crypttab systemd and Debian's cryptsetup read.
pub const CRYPTTAB: &str = "/etc/crypttab";
/// Alpine's dm-crypt service configuration.
pub const DMCRYPT_ALPINE: &str = "/etc/conf.d/dmcrypt";
/// LVM metadata backups, one file per volume group.
pub const LVM_BACKUP: &str = "/etc/lvm/backup";
/// The running mount table with device numbers (live host only).
pub const MOUNTINFO: &str = "/proc/self/mountinfo";

/// One crypttab entry systemd accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptEntry {
    /// The mapping name: the volume appears as `/dev/mapper/NAME`.
    pub name: String,
    /// The encrypted device as written (`UUID=…`, `/dev/sda5`).
    pub device: String,
    /// The key file named (never read); `None` for `none`, `-` or no field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyfile: Option<String>,
    pub options: Vec<String>,
    pub origin: Origin,
}

/// A line the reader ignores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ignored {
    pub origin: Origin,
    pub reason: String,
}

/// A volume group's metadata backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeGroup {
    pub name: String,
    pub origin: Origin,
    /// The devices its physical volumes were last seen at.
    pub physical_volumes: Vec<String>,
    pub logical_volumes: Vec<String>,
}

/// A device-mapper device of the running system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmDevice {
    /// `dm-0`.
    pub node: String,
    /// `dm/name`: the mapper name.
    pub name: String,
    /// `dm/uuid`: `CRYPT-LUKS2-…`, `LVM-…`.
    pub uuid: String,
    /// The block devices it sits on (`slaves/`).
    pub slaves: Vec<String>,
}

impl DmDevice {
    /// A dm-crypt mapping.
    pub fn is_crypt(&self) -> bool {
        self.uuid.starts_with("CRYPT-")
    }
}

/// A mount of the running system and the block devices beneath it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveMount {
    pub target: String,
    pub source: String,
    pub fstype: String,
    /// `MAJ:MIN` of the file system's device.
    pub device: String,
    pub origin: Origin,
    /// The device and everything below it, top first (`dm-1`, `dm-0`, `sda5`).
    pub stack: Vec<String>,
    /// The dm-crypt mappings in the stack, as `node (name, uuid type)`.
    pub crypt: Vec<String>,
    /// Why the stack could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the running system shows (live host only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Live {
    pub devices: Vec<DmDevice>,
    pub mounts: Vec<LiveMount>,
}

/// Everything collected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskEncryption {
    /// Whether `/etc/crypttab` exists.
    pub crypttab_present: bool,
    pub entries: Vec<CryptEntry>,
    pub ignored: Vec<Ignored>,
    pub volume_groups: Vec<VolumeGroup>,
    /// The running system, when the root is the live host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<Result<Live, String>>,
    /// Files that could not be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl DiskEncryption {
    /// The crypttab entry that opens `/dev/mapper/NAME`.
    pub fn entry(&self, name: &str) -> Option<&CryptEntry> {
        self.entries.iter().find(|e| e.name == name)
    }
}

/// Parse crypttab as systemd-cryptsetup-generator does.
pub fn parse_crypttab(path: &str, text: &str) -> (Vec<CryptEntry>, Vec<Ignored>) {
    let mut entries = Vec::new();
    let mut ignored = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let l = line.trim_matches(|c: char| c.is_ascii_whitespace());
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let origin = Origin::at(path.to_string(), i + 1);
        let fields: Vec<&str> = l.split_ascii_whitespace().take(4).collect();
        if fields.len() < 2 {
            ignored.push(Ignored {
                origin,
                reason: "fewer than two fields: systemd-cryptsetup-generator ignores it".into(),
            });
            continue;
        }
        let keyfile = fields
            .get(2)
            .filter(|k| !matches!(**k, "none" | "-" | ""))
            .map(|k| k.to_string());
        let options = fields
            .get(3)
            .map(|o| {
                o.split(',')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        entries.push(CryptEntry {
            name: fields[0].to_string(),
            device: fields[1].to_string(),
            keyfile,
            options,
            origin,
        });
    }
    (entries, ignored)
}

/// Alpine's `/etc/conf.d/dmcrypt`: `target=NAME` starts an entry, `source=DEVICE` gives
/// its device, `key=` its key file (quotes removed). Lines that are not simple
/// assignments are ignored, as comments.
pub fn parse_dmcrypt(path: &str, text: &str) -> Vec<CryptEntry> {
    let mut out: Vec<CryptEntry> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.starts_with('#') {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        match k.trim() {
            "target" => out.push(CryptEntry {
                name: v,
                device: String::new(),
                keyfile: None,
                options: Vec::new(),
                origin: Origin::at(path.to_string(), i + 1),
            }),
            "source" => {
                if let Some(e) = out.last_mut() {
                    e.device = v;
                }
            }
            "key" => {
                if let Some(e) = out.last_mut() {
                    e.keyfile = Some(v);
                }
            }
            _ => {}
        }
    }
    out.retain(|e| !e.device.is_empty());
    out
}

/// The volume group, its physical volumes' device hints and its logical volumes, from an
/// LVM metadata backup (`name { … physical_volumes { pv0 { device = "…" } } logical_volumes
/// { root { … } } }`).
pub fn parse_lvm_backup(path: &str, text: &str) -> Option<VolumeGroup> {
    let mut depth = 0usize;
    let mut stack: Vec<String> = Vec::new();
    let mut vg: Option<VolumeGroup> = None;
    for line in text.lines() {
        let l = line.split('#').next().unwrap_or("").trim();
        if let Some(name) = l.strip_suffix('{') {
            let name = name.trim().to_string();
            if depth == 0 && vg.is_none() {
                vg = Some(VolumeGroup {
                    name: name.clone(),
                    origin: Origin::file(path.to_string()),
                    physical_volumes: Vec::new(),
                    logical_volumes: Vec::new(),
                });
            }
            if depth == 2 && stack.get(1).map(String::as_str) == Some("logical_volumes") {
                if let Some(v) = vg.as_mut() {
                    v.logical_volumes.push(name.clone());
                }
            }
            stack.push(name);
            depth += 1;
            continue;
        }
        if l == "}" {
            stack.pop();
            depth = depth.saturating_sub(1);
            continue;
        }
        if depth == 3 && stack.get(1).map(String::as_str) == Some("physical_volumes") {
            if let Some((k, dev)) = l.split_once('=') {
                if let (true, Some(v)) = (k.trim() == "device", vg.as_mut()) {
                    v.physical_volumes
                        .push(dev.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    vg
}

/// `/dev/mapper/` name of an LVM logical volume: dashes in either name doubled.
pub fn lvm_mapper_name(vg: &str, lv: &str) -> String {
    format!("{}-{}", vg.replace('-', "--"), lv.replace('-', "--"))
}

/// Collect.
pub fn collect(root: &HostRoot) -> Fact<DiskEncryption> {
    let mut out = DiskEncryption::default();
    match root.read_lossy(CRYPTTAB) {
        Ok(text) => {
            out.crypttab_present = true;
            let (e, i) = parse_crypttab(CRYPTTAB, &text);
            out.entries = e;
            out.ignored = i;
        }
        Err(ReadError::NotFound { .. }) => {}
        Err(e) => return Fact::from_read_error(&e),
    }
    match root.read_lossy(DMCRYPT_ALPINE) {
        Ok(text) => out.entries.extend(parse_dmcrypt(DMCRYPT_ALPINE, &text)),
        Err(ReadError::NotFound { .. }) => {}
        Err(e) => out.problems.push(e.to_string()),
    }
    match root.read_dir(LVM_BACKUP) {
        Ok(entries) => {
            for e in entries {
                let p = e.display_path();
                match root.read_lossy(&e.path) {
                    Ok(text) => out.volume_groups.extend(parse_lvm_backup(&p, &text)),
                    Err(err) => out.problems.push(err.to_string()),
                }
            }
        }
        Err(ReadError::NotFound { .. }) => {}
        Err(e) => out.problems.push(e.to_string()),
    }
    if root.is_live() {
        out.live = Some(collect_live(root));
    }
    Fact::Collected { value: out }
}

fn read_trim(root: &HostRoot, path: &str) -> Option<String> {
    root.read_lossy(path).ok().map(|s| s.trim().to_string())
}

/// The block device directory name (`dm-0`, `sda5`) of a device number.
fn node_of(root: &HostRoot, majmin: &str) -> Result<String, String> {
    let link = format!("/sys/dev/block/{majmin}");
    let real = root.resolve(&link).map_err(|e| e.to_string())?;
    real.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{link}: no device name"))
}

fn collect_live(root: &HostRoot) -> Result<Live, String> {
    let mut live = Live::default();
    let mut dm: BTreeMap<String, DmDevice> = BTreeMap::new();
    let blocks = root.read_dir("/sys/block").map_err(|e| e.to_string())?;
    for b in blocks {
        let node = b.display_name();
        let slaves = root
            .read_dir(format!("/sys/block/{node}/slaves"))
            .map(|s| s.into_iter().map(|e| e.display_name()).collect())
            .unwrap_or_default();
        if !node.starts_with("dm-") {
            continue;
        }
        let name = read_trim(root, &format!("/sys/block/{node}/dm/name")).unwrap_or_default();
        let uuid = read_trim(root, &format!("/sys/block/{node}/dm/uuid")).unwrap_or_default();
        dm.insert(
            node.clone(),
            DmDevice {
                node,
                name,
                uuid,
                slaves,
            },
        );
    }
    let text = root.read_lossy(MOUNTINFO).map_err(|e| e.to_string())?;
    for (i, line) in text.lines().enumerate() {
        // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
        let f: Vec<&str> = line.split(' ').collect();
        let Some(dash) = f.iter().position(|x| *x == "-") else {
            continue;
        };
        if f.len() < 5 || dash + 2 >= f.len() {
            continue;
        }
        let target = unescape(f[4]);
        let device = f[2].to_string();
        let mut m = LiveMount {
            target,
            source: unescape(f[dash + 2]),
            fstype: f[dash + 1].to_string(),
            device: device.clone(),
            origin: Origin::at(MOUNTINFO, i + 1),
            stack: Vec::new(),
            crypt: Vec::new(),
            error: None,
        };
        if device.starts_with("0:") {
            m.error = Some(format!(
                "device {device} is not a block device ({}): what holds its data is not shown",
                m.fstype
            ));
        } else {
            match node_of(root, &device) {
                Ok(node) => {
                    let mut todo = vec![node];
                    while let Some(n) = todo.pop() {
                        if m.stack.contains(&n) || m.stack.len() > 64 {
                            continue;
                        }
                        m.stack.push(n.clone());
                        if let Some(d) = dm.get(&n) {
                            if d.is_crypt() {
                                let kind = d.uuid.split('-').nth(1).unwrap_or("");
                                m.crypt.push(format!("{} ({}, {kind})", d.node, d.name));
                            }
                            todo.extend(d.slaves.iter().cloned());
                        }
                    }
                }
                Err(e) => m.error = Some(e),
            }
        }
        live.mounts.push(m);
    }
    live.devices = dm.into_values().collect();
    Ok(live)
}

/// mountinfo's octal escapes (`\040` for a space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crypttab_lines() {
        let (e, i) = parse_crypttab(
            "/etc/crypttab",
            "# <target name> <source device> <key file> <options>\n\
             sda5_crypt UUID=1234-abcd none luks,discard\n\
             \t  swap /dev/sdb2 /dev/urandom swap,cipher=aes-xts-plain64  extra ignored\n\
             lonely\n\
             data PARTUUID=x -\n",
        );
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].name, "sda5_crypt");
        assert_eq!(e[0].keyfile, None);
        assert_eq!(e[0].options, ["luks", "discard"]);
        assert_eq!(e[1].keyfile.as_deref(), Some("/dev/urandom"));
        assert_eq!(e[1].origin.line, Some(3));
        assert_eq!(e[2].keyfile, None);
        assert_eq!(i.len(), 1);
        assert_eq!(i[0].origin.line, Some(4));
    }

    #[test]
    fn lvm_backup_and_names() {
        let vg = parse_lvm_backup(
            "/etc/lvm/backup/debian-vg",
            "contents = \"Text Format Volume Group\"\n\ndebian-vg {\n\tid = \"x\"\n\tphysical_volumes {\n\n\t\tpv0 {\n\t\t\tid = \"y\"\n\t\t\tdevice = \"/dev/mapper/sda5_crypt\"\t# Hint only\n\t\t}\n\t}\n\n\tlogical_volumes {\n\n\t\troot {\n\t\t\tid = \"z\"\n\t\t\tsegment1 {\n\t\t\t\tstripes = [\n\t\t\t\t\t\"pv0\", 0\n\t\t\t\t]\n\t\t\t}\n\t\t}\n\t\tswap_1 {\n\t\t}\n\t}\n}\n",
        )
        .unwrap();
        assert_eq!(vg.name, "debian-vg");
        assert_eq!(vg.physical_volumes, ["/dev/mapper/sda5_crypt"]);
        assert_eq!(vg.logical_volumes, ["root", "swap_1"]);
        assert_eq!(lvm_mapper_name("debian-vg", "root"), "debian--vg-root");
    }

    #[test]
    fn mountinfo_escapes() {
        assert_eq!(unescape("/mnt/a\\040b"), "/mnt/a b");
        assert_eq!(unescape("/x\\"), "/x\\");
    }
}
