//! Writing reports and facts bundles without being turned against the user running Ward.
//!
//! Ward often runs as root, and its default output directory (`./ward-report`) may sit in a
//! directory other users can write. A plain `write` to `ward-report/report.json` follows
//! whatever is there: a planted `report.json -> /etc/passwd` would be overwritten. So every
//! output file is written here, and only here, in three steps:
//!
//! 1. [`OutputDir::open`] creates the directory if it is missing, then opens it with
//!    `O_DIRECTORY | O_NOFOLLOW` (a symlink in the last component is refused) and checks the
//!    opened directory itself: it must be owned by the current user or by root, and must not
//!    be world-writable unless the sticky bit is set (as on `/tmp`). Group-writable
//!    directories are accepted: with per-user groups (umask 002) they are the norm, and the
//!    write below is safe in them.
//! 2. Every later path goes through `/proc/self/fd/N`, the directory that was opened and
//!    checked, so swapping a path component after the check changes nothing.
//! 3. [`OutputDir::write`] creates a temporary file with `O_CREAT | O_EXCL` (never an existing
//!    file, never through a symlink) and renames it over the final name; `rename` replaces a
//!    symlink itself, not its target.
//!
//! [`refuse_inside_root`] keeps output out of a scanned root (`--root DIR`), comparing
//! canonical paths so a symlink or `..` into the root is caught, before and after the
//! directory is created. [`refuse_proc_root`] refuses roots reached through `/proc` magic
//! links (`/proc/PID/root`), which resolve to `/` of the scanning machine's view and would
//! scan the wrong host.

use std::fs::{File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// Why an output could not be written safely.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// An I/O step failed.
    #[error("{path}: {what}: {source}")]
    Io {
        path: String,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The output directory is not one Ward can write into safely.
    #[error("{path}: {reason}; choose another output directory")]
    Unsafe { path: String, reason: String },
    /// The output would land inside the scanned root.
    #[error(
        "output {path} is inside the scanned root {root}; Ward never writes to the host it scans — choose another --output"
    )]
    InsideRoot { path: String, root: String },
    /// The root is reached through a `/proc` magic link.
    #[error(
        "--root {path} goes through {proc_path}, a /proc link into another process's filesystem view; Ward cannot keep reads inside such a root. Scan from inside the container (e.g. `nsenter --target PID --mount --uts ward scan`) or scan a mounted export of its filesystem instead"
    )]
    ProcRoot { path: String, proc_path: String },
}

fn io_err<'a>(
    path: &'a Path,
    what: &'static str,
) -> impl FnOnce(std::io::Error) -> OutputError + 'a {
    move |source| OutputError::Io {
        path: path.display().to_string(),
        what,
        source,
    }
}

/// An output directory that was created or checked, held open.
#[derive(Debug)]
pub struct OutputDir {
    /// As the user named it, for messages.
    shown: PathBuf,
    /// The open directory; paths inside it go through `/proc/self/fd/N`.
    handle: File,
    /// Canonical path of the opened directory.
    canonical: PathBuf,
    /// Mode given to the files written (0666 less the process umask).
    file_mode: u32,
}

impl OutputDir {
    /// Create `dir` if it is missing (with its parents), open it without following a
    /// symlink in its last component, and check that it is safe to write into.
    pub fn open(dir: &Path) -> Result<OutputDir, OutputError> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if std::fs::symlink_metadata(dir).is_err() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(dir)
                .map_err(io_err(dir, "creating the directory"))?;
        }
        let handle = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(dir)
            .map_err(|e| {
                if e.raw_os_error() == Some(libc::ELOOP) || e.raw_os_error() == Some(libc::ENOTDIR)
                {
                    OutputError::Unsafe {
                        path: dir.display().to_string(),
                        reason: "is a symlink or not a directory; Ward writes only into a real directory".into(),
                    }
                } else {
                    io_err(dir, "opening the directory")(e)
                }
            })?;
        let meta = handle
            .metadata()
            .map_err(io_err(dir, "reading the directory's metadata"))?;
        let uid = crate::facts::current_uid();
        if meta.uid() != uid && meta.uid() != 0 {
            return Err(OutputError::Unsafe {
                path: dir.display().to_string(),
                reason: format!(
                    "is owned by uid {}, neither the current user ({uid}) nor root, who could replace the reports",
                    meta.uid()
                ),
            });
        }
        let mode = meta.mode();
        if mode & 0o002 != 0 && mode & 0o1000 == 0 {
            return Err(OutputError::Unsafe {
                path: dir.display().to_string(),
                reason: format!(
                    "is world-writable (mode {:o}) without the sticky bit",
                    mode & 0o7777
                ),
            });
        }
        let fd_path = fd_path(&handle)?;
        let canonical =
            std::fs::read_link(&fd_path).map_err(io_err(dir, "resolving the directory"))?;
        Ok(OutputDir {
            shown: dir.to_path_buf(),
            handle,
            canonical,
            file_mode: 0o666 & !umask(),
        })
    }

    /// The canonical path of the opened directory.
    pub fn canonical(&self) -> &Path {
        &self.canonical
    }

    /// The path a file `name` in this directory is shown as.
    pub fn shown(&self, name: &str) -> PathBuf {
        self.shown.join(name)
    }

    /// Write `bytes` to `name` in this directory: a new temporary file, renamed over `name`.
    /// An existing `name` (a file or a symlink) is replaced, never written through.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, OutputError> {
        let shown = self.shown(name);
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return Err(OutputError::Unsafe {
                path: shown.display().to_string(),
                reason: "is not a plain file name".into(),
            });
        }
        let dir = fd_path(&self.handle)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".ward-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(io_err(&shown, "creating a temporary file"))?;
        tmp.write_all(bytes)
            .and_then(|()| tmp.flush())
            .and_then(|()| {
                tmp.as_file()
                    .set_permissions(Permissions::from_mode(self.file_mode))
            })
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(io_err(&shown, "writing"))?;
        tmp.persist(dir.join(name))
            .map_err(|e| io_err(&shown, "renaming into place")(e.error))?;
        Ok(shown)
    }
}

/// `/proc/self/fd/N` for an open file: the file itself, whatever happens to its path.
fn fd_path(handle: &File) -> Result<PathBuf, OutputError> {
    use std::os::fd::AsRawFd;
    let p = PathBuf::from(format!("/proc/self/fd/{}", handle.as_raw_fd()));
    if std::fs::symlink_metadata(&p).is_err() {
        return Err(OutputError::Unsafe {
            path: p.display().to_string(),
            reason: "/proc is not mounted; Ward needs it to write outputs safely".into(),
        });
    }
    Ok(p)
}

/// The process umask, from `/proc/self/status` (Linux 4.7 and later); 077 when unknown, so
/// files are then private rather than too open.
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o077)
}

/// Refuse an output path inside the scanned root `root_base` (canonical). `out` need not
/// exist: the nearest existing ancestor is canonicalised and the rest resolved lexically,
/// with `..` applied after symlinks, as the kernel would.
pub fn refuse_inside_root(root_base: &Path, out: &Path) -> Result<(), OutputError> {
    if root_base == Path::new("/") {
        return Ok(());
    }
    let resolved = resolve_nonexistent(out)?;
    if resolved.starts_with(root_base) {
        return Err(OutputError::InsideRoot {
            path: out.display().to_string(),
            root: root_base.display().to_string(),
        });
    }
    Ok(())
}

/// Canonical form of `path`, which may not exist yet: components are walked one by one,
/// existing prefixes canonicalised (symlinks followed), missing ones appended, `..` applied
/// to what was resolved so far.
fn resolve_nonexistent(path: &Path) -> Result<PathBuf, OutputError> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(io_err(path, "reading the current directory"))?
            .join(path)
    };
    let mut cur = PathBuf::from("/");
    for comp in abs.components() {
        match comp {
            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
            Component::ParentDir => {
                cur.pop();
            }
            Component::Normal(name) => {
                cur.push(name);
                if let Ok(c) = std::fs::canonicalize(&cur) {
                    cur = c;
                }
            }
        }
    }
    Ok(cur)
}

/// Mount points of `proc` file systems, from `/proc/self/mountinfo` (`/proc` when unknown).
fn proc_mounts() -> Vec<PathBuf> {
    let mut mounts = vec![PathBuf::from("/proc")];
    if let Ok(text) = std::fs::read_to_string("/proc/self/mountinfo") {
        for line in text.lines() {
            let Some((left, right)) = line.split_once(" - ") else {
                continue;
            };
            if right.split_whitespace().next() != Some("proc") {
                continue;
            }
            if let Some(mp) = left.split_whitespace().nth(4) {
                let mp = PathBuf::from(unescape_mountinfo(mp));
                if !mounts.contains(&mp) {
                    mounts.push(mp);
                }
            }
        }
    }
    mounts
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape_mountinfo(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let oct = rest.get(i + 1..i + 4).unwrap_or("");
        match u8::from_str_radix(oct, 8) {
            Ok(b) if oct.len() == 3 => {
                out.push(b as char);
                rest = &rest[i + 4..];
            }
            _ => {
                out.push('\\');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Refuse a `--root` whose path goes through a `proc` file system (`/proc/PID/root`,
/// `/proc/self/cwd`, or a symlink to them). Those are magic links: the kernel follows them
/// into another process's mount namespace, but resolving them by path from here (as
/// `canonicalize` does) gives `/`, the scanning machine's own root, so Ward would scan the
/// wrong host. Symlinks on the way are followed by hand so a link to `/proc` is caught too.
pub fn refuse_proc_root(root: &Path) -> Result<(), OutputError> {
    let mounts = proc_mounts();
    let abs = if root.is_absolute() {
        root.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(io_err(root, "reading the current directory"))?
            .join(root)
    };
    let mut pending: Vec<std::ffi::OsString> = abs
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut cur = PathBuf::from("/");
    let mut links = 0;
    while let Some(name) = pending.pop() {
        if name == ".." {
            cur.pop();
            continue;
        }
        cur.push(&name);
        if mounts.iter().any(|m| cur.starts_with(m)) {
            return Err(OutputError::ProcRoot {
                path: root.display().to_string(),
                proc_path: cur.display().to_string(),
            });
        }
        let Ok(meta) = std::fs::symlink_metadata(&cur) else {
            // Missing: HostRoot::new reports it.
            return Ok(());
        };
        if meta.file_type().is_symlink() {
            links += 1;
            if links > 40 {
                return Ok(()); // a loop: HostRoot::new reports it.
            }
            let target = std::fs::read_link(&cur).map_err(io_err(&cur, "reading a symlink"))?;
            cur.pop();
            if target.is_absolute() {
                cur = PathBuf::from("/");
            }
            for c in target.components().rev() {
                match c {
                    Component::Normal(n) => pending.push(n.to_os_string()),
                    Component::ParentDir => pending.push("..".into()),
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_roots_are_refused() {
        assert!(refuse_proc_root(Path::new("/proc/self/root")).is_err());
        assert!(refuse_proc_root(Path::new("/proc/1/root/etc/..")).is_err());
        let tmp = tempfile::tempdir().unwrap();
        let link = tmp.path().join("ctr");
        std::os::unix::fs::symlink("/proc/self/root", &link).unwrap();
        let err = refuse_proc_root(&link).unwrap_err().to_string();
        assert!(err.contains("nsenter"), "{err}");
        assert!(refuse_proc_root(tmp.path()).is_ok());
        assert!(refuse_proc_root(Path::new("/")).is_ok());
    }

    #[test]
    fn mountinfo_escapes() {
        assert_eq!(unescape_mountinfo("/a\\040b"), "/a b");
        assert_eq!(unescape_mountinfo("/plain"), "/plain");
    }

    #[test]
    fn output_through_dotdot_into_root_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir(&root).unwrap();
        let root = root.canonicalize().unwrap();
        std::os::unix::fs::symlink(&root, tmp.path().join("link")).unwrap();
        let sneaky = tmp.path().join("missing/../link/reports");
        assert!(refuse_inside_root(&root, &sneaky).is_err());
        assert!(refuse_inside_root(&root, &tmp.path().join("out")).is_ok());
    }
}
