//! Every read of the scanned host goes through a [`HostRoot`].
//!
//! Ward scans either the live host (`/`) or a directory that holds another host's
//! filesystem: a mounted disk image, an exported container, a test fixture. In both cases a
//! collector names host paths such as `/etc/ssh/sshd_config`, and this module turns them into
//! real paths *inside the root*, the way `chroot` would: absolute symlinks are re-rooted,
//! `..` never climbs above the root, and symlink loops are detected. A fixture symlink
//! `etc/shadow -> /etc/shadow` therefore resolves to `<root>/etc/shadow`, never to the
//! scanning machine's own shadow file.
//!
//! Reads are bounded: files larger than the read cap are refused (a silently truncated file
//! could produce a false pass), FIFOs, sockets and devices are never opened, directory
//! listings are capped, and the final open uses `O_NOFOLLOW | O_NONBLOCK` so a file swapped
//! for a symlink or a FIFO after resolution cannot make Ward block or escape.
//!
//! A listing over its cap is an error naming the directory and the cap, never a shortened
//! list: a missing drop-in could be the one that fails a check. Callers that want only some
//! names ([`HostRoot::read_dir_matching`], [`HostRoot::glob_paths`]) have them filtered
//! before the cap counts, so 10,000 backups cannot hide one `*.conf` file. Host paths are
//! bytes end to end (`impl AsRef<Path>` in, `OsString`/`PathBuf` out): a file name that is
//! not UTF-8 is opened under its own name, and only shown with `\xNN` escapes
//! ([`display_path`]) in evidence and errors.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Largest file Ward reads whole (configuration, databases of installed packages).
pub const DEFAULT_READ_CAP: u64 = 64 * 1024 * 1024;
/// Symlinks followed while resolving one path before it counts as a loop (Linux uses 40).
pub const MAX_SYMLINKS: usize = 40;
/// Matching entries one directory listing may return; more is a
/// [`ReadError::TooManyEntries`] error, never a silently shortened list.
pub const MAX_DIR_ENTRIES: usize = 10_000;
/// Entries of any name one listing examines before giving up with
/// [`ReadError::TooManyEntries`] (bounds the work on a directory of millions of files).
pub const MAX_DIR_SCAN: usize = 1_000_000;

/// What went wrong reading one host path. Each variant names the host path.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
    /// The path (or a directory on the way to it) does not exist.
    #[error("{path}: not found")]
    NotFound { path: String },
    /// The operating system refused access; an unprivileged scan meets this on `/etc/shadow`.
    #[error("{path}: permission denied (run as root to read it)")]
    PermissionDenied { path: String },
    /// The path is not a regular file (a FIFO, socket, device or directory) and is not read.
    #[error("{path}: is a {kind}, not a regular file; not read")]
    NotRegular { path: String, kind: FileKind },
    /// The file is larger than the read cap.
    #[error("{path}: file is {size} bytes, over the {cap}-byte read cap (see --max-file-size); not read")]
    TooLarge { path: String, size: u64, cap: u64 },
    /// Resolving the path followed too many symlinks.
    #[error("{path}: symlink loop (more than {MAX_SYMLINKS} links followed)")]
    SymlinkLoop { path: String },
    /// The file is not valid UTF-8 text.
    #[error("{path}:{line}: invalid UTF-8; the file is not read as text")]
    InvalidUtf8 { path: String, line: usize },
    /// A directory holds more entries (of the names asked for) than Ward lists; reading a
    /// part could hide the one that matters, so nothing is returned.
    #[error("{path}: directory has more than {limit} entries{what}; not listed")]
    TooManyEntries {
        path: String,
        limit: usize,
        /// What was counted (` named like "*.conf"`, or empty for any name).
        what: String,
    },
    /// Any other I/O failure.
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

impl ReadError {
    /// True when running as root would likely have allowed the read.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, ReadError::PermissionDenied { .. })
    }

    /// True when the path simply does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound { .. })
    }

    /// The host path this error is about.
    pub fn path(&self) -> &str {
        match self {
            ReadError::NotFound { path }
            | ReadError::PermissionDenied { path }
            | ReadError::NotRegular { path, .. }
            | ReadError::TooLarge { path, .. }
            | ReadError::SymlinkLoop { path }
            | ReadError::InvalidUtf8 { path, .. }
            | ReadError::TooManyEntries { path, .. }
            | ReadError::Io { path, .. } => path,
        }
    }

    fn from_io(path: impl AsRef<Path>, err: &io::Error) -> ReadError {
        let path = display_path(path);
        match err.kind() {
            io::ErrorKind::NotFound => ReadError::NotFound { path },
            io::ErrorKind::PermissionDenied => ReadError::PermissionDenied { path },
            _ if err.raw_os_error() == Some(libc::ELOOP) => ReadError::SymlinkLoop { path },
            _ if err.raw_os_error() == Some(libc::ENOTDIR) => ReadError::NotFound { path },
            _ => ReadError::Io {
                path,
                message: err.to_string(),
            },
        }
    }
}

/// The kind of a filesystem object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    File,
    Directory,
    Symlink,
    Fifo,
    Socket,
    BlockDevice,
    CharDevice,
    Unknown,
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::File => "regular file",
            FileKind::Directory => "directory",
            FileKind::Symlink => "symlink",
            FileKind::Fifo => "FIFO",
            FileKind::Socket => "socket",
            FileKind::BlockDevice => "block device",
            FileKind::CharDevice => "character device",
            FileKind::Unknown => "special file",
        })
    }
}

impl FileKind {
    fn of(ft: fs::FileType) -> FileKind {
        if ft.is_file() {
            FileKind::File
        } else if ft.is_dir() {
            FileKind::Directory
        } else if ft.is_symlink() {
            FileKind::Symlink
        } else if ft.is_fifo() {
            FileKind::Fifo
        } else if ft.is_socket() {
            FileKind::Socket
        } else if ft.is_block_device() {
            FileKind::BlockDevice
        } else if ft.is_char_device() {
            FileKind::CharDevice
        } else {
            FileKind::Unknown
        }
    }
}

/// Metadata of one host path (after following symlinks inside the root).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub kind: FileKind,
    /// Permission bits including setuid/setgid/sticky (`mode & 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Modification time, seconds since the Unix epoch.
    pub mtime: i64,
}

/// A directory entry returned by [`HostRoot::read_dir`] and [`HostRoot::read_dir_matching`].
///
/// The name and path carry the exact bytes of the file name, so the file opened is the file
/// listed even when its name is not UTF-8 (`99-caf\xe9.conf` in Latin-1). Use
/// [`DirEntry::display_name`] / [`DirEntry::display_path`] for evidence and messages only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// File name, byte-exact.
    pub name: OsString,
    /// Host path of the entry, e.g. `/etc/sysctl.d/99-ward.conf`, byte-exact.
    pub path: PathBuf,
    /// Kind of the entry itself (a symlink is reported as [`FileKind::Symlink`]).
    pub kind: FileKind,
}

impl DirEntry {
    /// The name as UTF-8, or `None` when it is not valid UTF-8.
    pub fn name_str(&self) -> Option<&str> {
        self.name.to_str()
    }

    /// The name for display: invalid bytes shown as `\xNN`.
    pub fn display_name(&self) -> String {
        display_bytes(self.name.as_bytes())
    }

    /// The host path for display (evidence, messages): invalid bytes shown as `\xNN`.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }
}

/// A host path for display: valid UTF-8 as is, every byte of an invalid sequence shown as
/// `\xNN` (`/etc/sysctl.d/99-caf\xe9.conf`). Only for evidence and messages; open files
/// with the path itself.
pub fn display_path(path: impl AsRef<Path>) -> String {
    display_bytes(path.as_ref().as_os_str().as_bytes())
}

/// Bytes for display: valid UTF-8 as is, invalid bytes as `\xNN`.
pub fn display_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// A directory entry's name and its symlink target (display form), or why it could not
/// be read ([`HostRoot::read_dir_links`]).
pub type LinkEntry = (OsString, Result<String, ReadError>);

/// The filesystem Ward scans: `/` for the live host or a directory holding a host's files.
#[derive(Debug, Clone)]
pub struct HostRoot {
    base: PathBuf,
    live: bool,
    read_cap: u64,
    /// Owners served instead of the file system's, by real path (fixture hosts built by a
    /// user who cannot chown; see [`HostRoot::with_owners`]).
    owners: std::sync::Arc<BTreeMap<PathBuf, (u32, u32)>>,
    /// Live-only collectors that read this (fixture) root's own `/proc` as if it were the
    /// running host's (see [`HostRoot::with_simulated_live`]).
    simulated_live: std::sync::Arc<Vec<String>>,
}

impl HostRoot {
    /// The live host, rooted at `/`.
    pub fn live() -> HostRoot {
        HostRoot {
            base: PathBuf::from("/"),
            live: true,
            read_cap: DEFAULT_READ_CAP,
            owners: Default::default(),
            simulated_live: Default::default(),
        }
    }

    /// A host filesystem under `dir`. A `dir` that canonicalises to `/` is the live host.
    pub fn new(dir: impl AsRef<Path>) -> Result<HostRoot, ReadError> {
        let dir = dir.as_ref();
        let shown = dir.display().to_string();
        let base = fs::canonicalize(dir).map_err(|e| ReadError::from_io(&shown, &e))?;
        let meta = fs::metadata(&base).map_err(|e| ReadError::from_io(&shown, &e))?;
        if !meta.is_dir() {
            return Err(ReadError::NotRegular {
                path: shown,
                kind: FileKind::of(meta.file_type()),
            });
        }
        let live = base == Path::new("/");
        Ok(HostRoot {
            base,
            live,
            read_cap: DEFAULT_READ_CAP,
            owners: Default::default(),
            simulated_live: Default::default(),
        })
    }

    /// Serve these owners (host path to uid, gid) in metadata instead of the file system's.
    /// Fixture hosts use it when the user building them cannot chown, so ownership checks
    /// see the owners the fixture records. Never used for a scan of a real host; the live
    /// host ignores it.
    pub fn with_owners(mut self, owners: BTreeMap<String, (u32, u32)>) -> HostRoot {
        if self.live {
            return self;
        }
        let map = owners
            .into_iter()
            .map(|(p, ids)| (self.base.join(p.trim_start_matches('/')), ids))
            .collect();
        self.owners = std::sync::Arc::new(map);
        self
    }

    fn owned(&self, real: &Path, mut meta: Meta) -> Meta {
        if let Some((uid, gid)) = self.owners.get(real) {
            meta.uid = *uid;
            meta.gid = *gid;
        }
        meta
    }

    /// Change the largest file size read whole.
    pub fn with_read_cap(mut self, cap: u64) -> HostRoot {
        self.read_cap = cap;
        self
    }

    /// True when this is the running host, so runtime state (`/proc`, commands) is meaningful.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// Let the named live-only collectors run on this root, reading its own `/proc` files
    /// as if they were the running host's. Only fixture hosts use it (a fixture's `live`
    /// list), so checks of runtime state can be proven with pass and fail cases; every
    /// other collector still treats the root as an image, and nothing runs a command. The
    /// live host ignores it.
    pub fn with_simulated_live(mut self, collectors: Vec<String>) -> HostRoot {
        if !self.live {
            self.simulated_live = std::sync::Arc::new(collectors);
        }
        self
    }

    /// Whether the live-only collector `name` runs on this root: on the live host, or on a
    /// fixture root that simulates it.
    pub fn is_live_for(&self, name: &str) -> bool {
        self.live || self.simulated_live.iter().any(|n| n == name)
    }

    /// The directory on the scanning machine that holds the host's `/`.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The read cap in bytes.
    pub fn read_cap(&self) -> u64 {
        self.read_cap
    }

    /// Resolve a host path to a real path inside the root, following symlinks as a chroot
    /// would. The final component is resolved too when it is a symlink.
    ///
    /// Every method taking a host path accepts `&str`, `String`, `&Path` or `PathBuf`; the
    /// bytes of the path are used as they are, so a name that is not UTF-8 opens the file of
    /// that name. Errors name the path in its display form ([`display_path`]).
    pub fn resolve(&self, host_path: impl AsRef<Path>) -> Result<PathBuf, ReadError> {
        self.resolve_inner(host_path.as_ref(), true)
    }

    fn resolve_inner(&self, host_path: &Path, follow_last: bool) -> Result<PathBuf, ReadError> {
        // `stack` holds the resolved components below the root; `pending` the components
        // still to walk, in reverse order so `pop` yields the next one.
        let mut stack: Vec<OsString> = Vec::new();
        let mut pending: Vec<OsString> = components_rev(host_path);
        let mut links = 0usize;
        while let Some(comp) = pending.pop() {
            if comp == ".." {
                stack.pop();
                continue;
            }
            if comp == "." {
                continue;
            }
            let mut candidate = self.base.clone();
            candidate.extend(stack.iter());
            candidate.push(&comp);
            let is_last = pending.is_empty();
            match fs::symlink_metadata(&candidate) {
                Ok(meta) if meta.file_type().is_symlink() && (follow_last || !is_last) => {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return Err(ReadError::SymlinkLoop {
                            path: display_path(host_path),
                        });
                    }
                    let target =
                        fs::read_link(&candidate).map_err(|e| ReadError::from_io(host_path, &e))?;
                    if target.is_absolute() {
                        stack.clear();
                    }
                    pending.extend(components_rev(&target));
                }
                Ok(_) => stack.push(comp),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // Keep walking lexically: the caller gets NotFound when it opens it.
                    stack.push(comp);
                }
                Err(e) => return Err(ReadError::from_io(host_path, &e)),
            }
        }
        let mut out = self.base.clone();
        out.extend(stack.iter());
        Ok(out)
    }

    /// Metadata of a host path, following symlinks inside the root.
    pub fn metadata(&self, host_path: impl AsRef<Path>) -> Result<Meta, ReadError> {
        let host_path = host_path.as_ref();
        let real = self.resolve(host_path)?;
        let meta = fs::symlink_metadata(&real).map_err(|e| ReadError::from_io(host_path, &e))?;
        Ok(self.owned(&real, meta_of(&meta)))
    }

    /// Metadata of a host path without following a final symlink.
    pub fn symlink_metadata(&self, host_path: impl AsRef<Path>) -> Result<Meta, ReadError> {
        let host_path = host_path.as_ref();
        let real = self.resolve_inner(host_path, false)?;
        let meta = fs::symlink_metadata(&real).map_err(|e| ReadError::from_io(host_path, &e))?;
        Ok(self.owned(&real, meta_of(&meta)))
    }

    /// The target of a symlink, as written in the link (not resolved), in display form.
    pub fn read_link(&self, host_path: impl AsRef<Path>) -> Result<String, ReadError> {
        let host_path = host_path.as_ref();
        let real = self.resolve_inner(host_path, false)?;
        let target = fs::read_link(&real).map_err(|e| ReadError::from_io(host_path, &e))?;
        Ok(display_path(&target))
    }

    /// True when the host path exists (after following symlinks inside the root).
    pub fn exists(&self, host_path: impl AsRef<Path>) -> bool {
        self.metadata(host_path).is_ok()
    }

    /// Read a regular file whole, refusing special files and files over the read cap.
    pub fn read(&self, host_path: impl AsRef<Path>) -> Result<Vec<u8>, ReadError> {
        let host_path = host_path.as_ref();
        let file = self.open(host_path)?;
        let len = file
            .metadata()
            .map_err(|e| ReadError::from_io(host_path, &e))?
            .len();
        if len > self.read_cap {
            return Err(ReadError::TooLarge {
                path: display_path(host_path),
                size: len,
                cap: self.read_cap,
            });
        }
        read_capped(file, self.read_cap, host_path)
    }

    /// Open a regular file for reading, resolved inside the root like every read; special
    /// files are refused. For readers that must not hold the file in memory (an SQLite
    /// database is opened through the handle's `/proc/self/fd` path); no read cap applies.
    pub fn open(&self, host_path: impl AsRef<Path>) -> Result<fs::File, ReadError> {
        let host_path = host_path.as_ref();
        let real = self.resolve(host_path)?;
        // Check the kind before opening: opening a FIFO for reading can block.
        let pre = fs::symlink_metadata(&real).map_err(|e| ReadError::from_io(host_path, &e))?;
        let kind = FileKind::of(pre.file_type());
        if kind != FileKind::File {
            return Err(ReadError::NotRegular {
                path: display_path(host_path),
                kind,
            });
        }
        let file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&real)
            .map_err(|e| ReadError::from_io(host_path, &e))?;
        // Check again on the open handle: the path may have changed since the first look.
        let meta = file
            .metadata()
            .map_err(|e| ReadError::from_io(host_path, &e))?;
        let kind = FileKind::of(meta.file_type());
        if kind != FileKind::File {
            return Err(ReadError::NotRegular {
                path: display_path(host_path),
                kind,
            });
        }
        Ok(file)
    }

    /// Read a regular file as UTF-8 text; invalid UTF-8 is an error naming the line.
    ///
    /// Only for consumers that themselves refuse such a file. Configuration that its own
    /// software reads as bytes (sysctl.d, sshd_config, unit files) must be read with
    /// [`HostRoot::read`] or [`HostRoot::read_lossy`], so one Latin-1 comment does not make
    /// the whole file unknown.
    pub fn read_text(&self, host_path: impl AsRef<Path>) -> Result<String, ReadError> {
        let host_path = host_path.as_ref();
        let bytes = self.read(host_path)?;
        String::from_utf8(bytes).map_err(|e| {
            let upto = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..upto].iter().filter(|b| **b == b'\n').count() + 1;
            ReadError::InvalidUtf8 {
                path: display_path(host_path),
                line,
            }
        })
    }

    /// Read a regular file as text, replacing invalid UTF-8 with U+FFFD. For byte-oriented
    /// consumers: databases such as dpkg's status file (old packages may carry Latin-1
    /// descriptions), and configuration whose own parser works on bytes.
    pub fn read_lossy(&self, host_path: impl AsRef<Path>) -> Result<String, ReadError> {
        let bytes = self.read(host_path)?;
        // Valid UTF-8 (nearly every file) is taken as it is, without a copy.
        Ok(String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    /// List a directory, sorted by name (byte order). More than [`MAX_DIR_ENTRIES`] entries
    /// is a [`ReadError::TooManyEntries`] error. Prefer [`HostRoot::read_dir_matching`] when
    /// only some names matter, so the limit counts only those.
    pub fn read_dir(&self, host_path: impl AsRef<Path>) -> Result<Vec<DirEntry>, ReadError> {
        self.list(host_path.as_ref(), &mut |_| true, MAX_DIR_ENTRIES, "")
    }

    /// List the entries of a directory whose name `keep` accepts, sorted by name (byte
    /// order). The filter runs before the limit: only accepted entries count against
    /// [`MAX_DIR_ENTRIES`], and more of them than that is a [`ReadError::TooManyEntries`]
    /// error naming the directory, never a shortened list. A directory with more than
    /// [`MAX_DIR_SCAN`] entries of any name is the same error.
    pub fn read_dir_matching(
        &self,
        host_path: impl AsRef<Path>,
        mut keep: impl FnMut(&OsStr) -> bool,
    ) -> Result<Vec<DirEntry>, ReadError> {
        self.list(
            host_path.as_ref(),
            &mut keep,
            MAX_DIR_ENTRIES,
            " of the names asked for",
        )
    }

    /// List a directory of symbolic links (such as `/proc/PID/fd`) and read each link's
    /// target, resolving the directory once. Entries are in name order with their target
    /// (in display form) or the error reading it: an entry that vanished between listing
    /// and reading (a descriptor closed, a process gone) is `NotFound`. More than `limit`
    /// entries is [`ReadError::TooManyEntries`], never a shortened list.
    pub fn read_dir_links(
        &self,
        host_path: impl AsRef<Path>,
        limit: usize,
    ) -> Result<Vec<LinkEntry>, ReadError> {
        let host_path = host_path.as_ref();
        let entries = self.list(host_path, &mut |_| true, limit, "")?;
        let real = self.resolve(host_path)?;
        Ok(entries
            .into_iter()
            .map(|e| {
                let target = fs::read_link(real.join(&e.name))
                    .map(|t| display_path(&t))
                    .map_err(|err| ReadError::from_io(&e.path, &err));
                (e.name, target)
            })
            .collect())
    }

    fn list(
        &self,
        host_path: &Path,
        keep: &mut dyn FnMut(&OsStr) -> bool,
        limit: usize,
        what: &str,
    ) -> Result<Vec<DirEntry>, ReadError> {
        let real = self.resolve(host_path)?;
        let meta = fs::symlink_metadata(&real).map_err(|e| ReadError::from_io(host_path, &e))?;
        if !meta.is_dir() {
            return Err(ReadError::NotRegular {
                path: display_path(host_path),
                kind: FileKind::of(meta.file_type()),
            });
        }
        let too_many = |limit: usize, what: &str| ReadError::TooManyEntries {
            path: display_path(host_path),
            limit,
            what: what.to_string(),
        };
        let mut out = Vec::new();
        let iter = fs::read_dir(&real).map_err(|e| ReadError::from_io(host_path, &e))?;
        for (scanned, entry) in iter.enumerate() {
            if scanned >= MAX_DIR_SCAN {
                return Err(too_many(MAX_DIR_SCAN, ""));
            }
            let entry = entry.map_err(|e| ReadError::from_io(host_path, &e))?;
            let name = entry.file_name();
            if !keep(&name) {
                continue;
            }
            if out.len() >= limit {
                return Err(too_many(limit, what));
            }
            let kind = entry
                .file_type()
                .map(FileKind::of)
                .unwrap_or(FileKind::Unknown);
            out.push(DirEntry {
                path: host_path.join(&name),
                name,
                kind,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Query an SQLite database file of the host (rpm's `rpmdb.sqlite`, yum's
    /// `primary_db.sqlite`) through a handle opened inside the root, as an immutable
    /// read-only database: SQLite then takes no locks and writes no journal beside it. The
    /// outer error is the read's, the inner one SQLite's.
    pub fn query_sqlite<T>(
        &self,
        host_path: impl AsRef<Path>,
        query: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<rusqlite::Result<T>, ReadError> {
        use std::os::fd::AsRawFd;
        let file = self.open(host_path)?;
        let uri = format!(
            "file:/proc/self/fd/{}?mode=ro&immutable=1",
            file.as_raw_fd()
        );
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
            | rusqlite::OpenFlags::SQLITE_OPEN_URI
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let result = rusqlite::Connection::open_with_flags(&uri, flags).and_then(|db| query(&db));
        drop(file);
        Ok(result)
    }

    /// Expand a host-path glob (`/etc/ssh/ssh_host_*_key`, `/etc/sysctl.d/*.conf`) inside the
    /// root, byte-exact. Only the final component may contain wildcards; results are host
    /// paths sorted by name (byte order). A missing directory gives an empty list. Names
    /// that are not UTF-8 match byte by byte, as `glob(3)` does in the C locale: `?` matches
    /// one invalid byte. The name filter runs before the [`MAX_DIR_ENTRIES`] limit.
    pub fn glob_paths(&self, pattern: impl AsRef<Path>) -> Result<Vec<PathBuf>, ReadError> {
        let pattern = pattern.as_ref();
        let shown = display_path(pattern);
        let (dir, file_pat) = match (pattern.parent(), pattern.file_name()) {
            (Some(d), Some(f)) => (
                if d.as_os_str().is_empty() {
                    Path::new("/")
                } else {
                    d
                },
                f,
            ),
            _ => return Ok(Vec::new()),
        };
        let file_pat = match file_pat.to_str() {
            Some(p) if has_glob_meta(p) => p,
            // No wildcard (or a non-UTF-8 literal name): the path itself, if present.
            _ => {
                return Ok(if self.symlink_metadata(pattern).is_ok() {
                    vec![pattern.to_path_buf()]
                } else {
                    Vec::new()
                })
            }
        };
        let matcher = glob::Pattern::new(file_pat).map_err(|e| ReadError::Io {
            path: shown.clone(),
            message: format!("invalid glob: {e}"),
        })?;
        let opts = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        let what = format!(" matching {file_pat:?}");
        match self.list(
            dir,
            &mut |name| matcher.matches_with(&match_form(name), opts),
            MAX_DIR_ENTRIES,
            &what,
        ) {
            Ok(entries) => Ok(entries.into_iter().map(|e| e.path).collect()),
            Err(ReadError::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

/// Whether a file name matches one glob component as glob(3) matches bytes in the C locale
/// (each byte that is not UTF-8 counts as one character no literal matches).
pub fn glob_matches(pattern: &glob::Pattern, name: &OsStr) -> bool {
    let opts = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    pattern.matches_with(&match_form(name), opts)
}

/// The form of a file name that glob patterns are matched against: valid UTF-8 as is, each
/// invalid byte as one private-use character (U+F700 + byte) that no pattern contains, so
/// `*` and `?` treat it as one unmatched-by-literal character.
fn match_form(name: &OsStr) -> String {
    let mut out = String::new();
    for chunk in name.as_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push(char::from_u32(0xF700 + u32::from(*b)).unwrap_or('\u{FFFD}'));
        }
    }
    out
}

pub use crate::vocab::has_glob_meta;

/// Join a host directory path and a name: `join_host("/etc", "passwd") == "/etc/passwd"`.
pub fn join_host(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

fn components_rev(path: &Path) -> Vec<OsString> {
    let mut v: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            Component::ParentDir => Some("..".into()),
            Component::CurDir => Some(".".into()),
            Component::RootDir | Component::Prefix(_) => None,
        })
        .collect();
    v.reverse();
    v
}

/// What [`HostRoot::walk`] shows its visitor.
#[derive(Debug)]
pub enum WalkEvent<'a> {
    /// An entry (never followed when it is a symlink) with its metadata. The host path is
    /// relative to the root (`etc/passwd`); the root itself is not shown.
    Entry { path: &'a Path, meta: Meta },
    /// A directory or entry that could not be read.
    Unreadable { path: &'a Path, error: ReadError },
    /// A directory skipped because it is on another device than the root (live host only).
    OtherDevice { path: &'a Path },
    /// An entry deeper than the depth limit: the walk stops here.
    TooDeep { path: &'a Path },
}

/// Where [`HostRoot::walk`] goes.
#[derive(Debug, Clone)]
pub struct WalkOptions<'a> {
    /// Deepest entry visited (`/etc` is depth 1, `/etc/passwd` depth 2).
    pub max_depth: usize,
    /// Host paths (`/proc`) whose subtree is never entered (the entry itself is not shown).
    pub skip: &'a [&'a str],
}

impl HostRoot {
    /// Walk the host's tree from `/` in name order, never following a symlink, never
    /// opening a file (only `lstat` and directory listings), and on the live host never
    /// entering a directory on another device than `/`. The visitor returns `false` to stop.
    pub fn walk(&self, opts: &WalkOptions<'_>, mut visit: impl FnMut(WalkEvent<'_>) -> bool) {
        let root_dev = match fs::symlink_metadata(&self.base) {
            Ok(m) => m.dev(),
            Err(e) => {
                visit(WalkEvent::Unreadable {
                    path: Path::new(""),
                    error: ReadError::from_io("/", &e),
                });
                return;
            }
        };
        let skip: Vec<&Path> = opts
            .skip
            .iter()
            .map(|s| Path::new(s.trim_start_matches('/')))
            .collect();
        let mut it = walkdir::WalkDir::new(&self.base)
            .follow_links(false)
            .follow_root_links(false)
            .min_depth(1)
            .max_depth(opts.max_depth.saturating_add(1))
            .sort_by_file_name()
            .into_iter();
        while let Some(next) = it.next() {
            let entry = match next {
                Ok(e) => e,
                Err(e) => {
                    let rel: PathBuf = e
                        .path()
                        .and_then(|p| p.strip_prefix(&self.base).ok())
                        .unwrap_or(Path::new(""))
                        .to_path_buf();
                    let shown = format!("/{}", display_path(&rel));
                    let error = match e.into_io_error() {
                        Some(io) => ReadError::from_io(&shown, &io),
                        None => ReadError::SymlinkLoop { path: shown },
                    };
                    if !visit(WalkEvent::Unreadable { path: &rel, error }) {
                        return;
                    }
                    continue;
                }
            };
            let rel = entry
                .path()
                .strip_prefix(&self.base)
                .unwrap_or(entry.path());
            if entry.depth() > opts.max_depth {
                visit(WalkEvent::TooDeep { path: rel });
                return;
            }
            let meta = match entry.metadata() {
                Ok(m) => m,
                Err(e) => {
                    let shown = format!("/{}", display_path(rel));
                    let error = match e.into_io_error() {
                        Some(io) => ReadError::from_io(&shown, &io),
                        None => ReadError::SymlinkLoop { path: shown },
                    };
                    if !visit(WalkEvent::Unreadable { path: rel, error }) {
                        return;
                    }
                    continue;
                }
            };
            if meta.is_dir() {
                if skip.contains(&rel) {
                    it.skip_current_dir();
                    continue;
                }
                if self.live && meta.dev() != root_dev {
                    it.skip_current_dir();
                    if !visit(WalkEvent::OtherDevice { path: rel }) {
                        return;
                    }
                    continue;
                }
            }
            let meta = if self.owners.is_empty() {
                meta_of(&meta)
            } else {
                self.owned(entry.path(), meta_of(&meta))
            };
            if !visit(WalkEvent::Entry { path: rel, meta }) {
                return;
            }
        }
    }
}

fn meta_of(meta: &fs::Metadata) -> Meta {
    Meta {
        kind: FileKind::of(meta.file_type()),
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
        size: meta.size(),
        mtime: meta.mtime(),
    }
}

fn read_capped(file: File, cap: u64, host_path: &Path) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    // Read one byte past the cap so growth during the read is noticed.
    file.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ReadError::from_io(host_path, &e))?;
    if buf.len() as u64 > cap {
        return Err(ReadError::TooLarge {
            path: display_path(host_path),
            size: buf.len() as u64,
            cap,
        });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn root() -> (tempfile::TempDir, HostRoot) {
        let dir = tempfile::tempdir().unwrap();
        let root = HostRoot::new(dir.path()).unwrap();
        (dir, root)
    }

    #[test]
    fn absolute_symlink_is_rerooted() {
        let (dir, root) = root();
        fs::create_dir_all(dir.path().join("etc")).unwrap();
        fs::write(dir.path().join("etc/real"), "inside").unwrap();
        symlink("/etc/real", dir.path().join("etc/link")).unwrap();
        // A link to the scanning machine's own passwd must land inside the root.
        symlink("/etc/passwd", dir.path().join("etc/escape")).unwrap();
        assert_eq!(root.read_text("/etc/link").unwrap(), "inside");
        assert!(root.read("/etc/escape").unwrap_err().is_not_found());
        assert_eq!(
            root.resolve("/etc/escape").unwrap(),
            root.base().join("etc/passwd")
        );
    }

    #[test]
    fn dotdot_never_climbs_above_root() {
        let (dir, root) = root();
        fs::create_dir_all(dir.path().join("a")).unwrap();
        symlink("../../../../../etc/hostname", dir.path().join("a/up")).unwrap();
        assert_eq!(
            root.resolve("/a/up").unwrap(),
            root.base().join("etc/hostname")
        );
        assert_eq!(
            root.resolve("/../../etc/x").unwrap(),
            root.base().join("etc/x")
        );
    }

    #[test]
    fn symlink_loop_is_an_error() {
        let (dir, root) = root();
        symlink("/b", dir.path().join("a")).unwrap();
        symlink("/a", dir.path().join("b")).unwrap();
        assert!(matches!(
            root.read("/a").unwrap_err(),
            ReadError::SymlinkLoop { .. }
        ));
    }

    #[test]
    fn fifo_is_never_opened() {
        let (dir, root) = root();
        let p = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo").arg(&p).status();
        if status.map(|s| s.success()).unwrap_or(false) {
            let err = root.read("/fifo").unwrap_err();
            assert!(matches!(
                err,
                ReadError::NotRegular {
                    kind: FileKind::Fifo,
                    ..
                }
            ));
        }
    }

    #[test]
    fn oversized_file_is_refused() {
        let (dir, root) = root();
        let f = File::create(dir.path().join("big")).unwrap();
        f.set_len(10_000).unwrap();
        let root = root.with_read_cap(1000);
        assert!(matches!(
            root.read("/big").unwrap_err(),
            ReadError::TooLarge { size: 10_000, .. }
        ));
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let (dir, root) = root();
        fs::write(dir.path().join("t"), b"ok\nstill ok\nbad \xff\n").unwrap();
        assert_eq!(
            root.read_text("/t").unwrap_err(),
            ReadError::InvalidUtf8 {
                path: "/t".into(),
                line: 3
            }
        );
        assert!(root.read_lossy("/t").unwrap().contains('\u{fffd}'));
    }

    #[test]
    fn glob_lists_matching_names_sorted() {
        let (dir, root) = root();
        fs::create_dir_all(dir.path().join("etc/sysctl.d")).unwrap();
        for n in ["20-b.conf", "10-a.conf", "README", ".hidden.conf"] {
            fs::write(dir.path().join("etc/sysctl.d").join(n), "").unwrap();
        }
        assert_eq!(
            root.glob_paths("/etc/sysctl.d/*.conf").unwrap(),
            vec![
                PathBuf::from("/etc/sysctl.d/10-a.conf"),
                PathBuf::from("/etc/sysctl.d/20-b.conf")
            ]
        );
        assert!(root.glob_paths("/nope/*.conf").unwrap().is_empty());
    }

    #[test]
    fn non_utf8_names_are_listed_and_opened_byte_exact() {
        let (dir, root) = root();
        let d = dir.path().join("etc/sudoers.d");
        fs::create_dir_all(&d).unwrap();
        let latin1 = OsStr::from_bytes(b"ops-\xe9quipe");
        fs::write(d.join(latin1), "ops ALL=(ALL) ALL\n").unwrap();
        // The lossy name is a different file, which must never be the one opened.
        fs::write(d.join("ops-\u{fffd}quipe"), "decoy\n").unwrap();
        let entries = root.read_dir("/etc/sudoers.d").unwrap();
        let e = entries.iter().find(|e| e.name == latin1).unwrap();
        assert_eq!(e.display_path(), "/etc/sudoers.d/ops-\\xe9quipe");
        assert_eq!(e.name_str(), None);
        assert_eq!(root.read_text(&e.path).unwrap(), "ops ALL=(ALL) ALL\n");
        let paths = root.glob_paths("/etc/sudoers.d/ops-?quipe").unwrap();
        assert_eq!(paths.len(), 2, "{paths:?}");
        assert!(paths.iter().any(|p| p.ends_with(latin1)));
        // Errors name the path in display form.
        let err = root
            .read(Path::new("/etc/sudoers.d").join(OsStr::from_bytes(b"x\xff")))
            .unwrap_err();
        assert_eq!(err.path(), "/etc/sudoers.d/x\\xff");
    }

    #[test]
    fn listing_filters_before_the_limit_and_errors_past_it() {
        let (dir, root) = root();
        let d = dir.path().join("etc/ssh/sshd_config.d");
        fs::create_dir_all(&d).unwrap();
        for i in 0..MAX_DIR_ENTRIES {
            fs::write(d.join(format!("{i:05}.bak")), "").unwrap();
        }
        fs::write(d.join("zz-ward.conf"), "PermitRootLogin yes\n").unwrap();
        // The one .conf file is found although 10,000 other names come first.
        assert_eq!(
            root.glob_paths("/etc/ssh/sshd_config.d/*.conf").unwrap(),
            vec![PathBuf::from("/etc/ssh/sshd_config.d/zz-ward.conf")]
        );
        let only = root
            .read_dir_matching("/etc/ssh/sshd_config.d", |n| {
                n.as_bytes().ends_with(b".conf")
            })
            .unwrap();
        assert_eq!(only.len(), 1);
        // An unfiltered listing over the limit is an error naming the directory and limit.
        let err = root.read_dir("/etc/ssh/sshd_config.d").unwrap_err();
        assert!(matches!(
            err,
            ReadError::TooManyEntries {
                limit: MAX_DIR_ENTRIES,
                ..
            }
        ));
        let msg = err.to_string();
        assert!(
            msg.contains("/etc/ssh/sshd_config.d") && msg.contains("10000"),
            "{msg}"
        );
        // Past the limit of matching names too.
        let err = root.glob_paths("/etc/ssh/sshd_config.d/*").unwrap_err();
        assert!(matches!(err, ReadError::TooManyEntries { .. }), "{err}");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn component() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("..".to_string()),
                Just(".".to_string()),
                Just("etc".to_string()),
                Just("a".to_string()),
                Just("up".to_string()),
                Just("abs".to_string()),
                Just("loop".to_string()),
                "[a-z]{1,3}",
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            /// Whatever path is asked for, through whatever links, resolution stays inside
            /// the root and never panics.
            #[test]
            fn resolution_never_leaves_the_root(parts in proptest::collection::vec(component(), 0..8)) {
                let dir = tempfile::tempdir().unwrap();
                let b = dir.path();
                fs::create_dir_all(b.join("etc/a")).unwrap();
                symlink("../../../..", b.join("etc/up")).unwrap();
                symlink("/etc", b.join("etc/a/abs")).unwrap();
                symlink("/etc/loop", b.join("etc/loop")).unwrap();
                symlink("/..", b.join("up")).unwrap();
                let root = HostRoot::new(b).unwrap();
                let path = format!("/{}", parts.join("/"));
                if let Ok(real) = root.resolve(&path) {
                    prop_assert!(real.starts_with(root.base()), "{path} -> {}", real.display());
                }
                let _ = root.read(&path);
                let _ = root.metadata(&path);
                let _ = root.read_dir(&path);
            }
        }
    }

    #[test]
    fn links_of_a_directory_are_read_without_following_them() {
        let dir = tempfile::tempdir().unwrap();
        let fd = dir.path().join("proc/42/fd");
        fs::create_dir_all(&fd).unwrap();
        std::os::unix::fs::symlink("socket:[7]", fd.join("3")).unwrap();
        std::os::unix::fs::symlink("/etc/shadow", fd.join("4")).unwrap();
        fs::write(fd.join("5"), "not a link").unwrap();
        let root = HostRoot::new(dir.path()).unwrap();
        let links = root.read_dir_links("/proc/42/fd", 10).unwrap();
        let got: Vec<(String, Result<String, bool>)> = links
            .into_iter()
            .map(|(n, t)| (n.to_string_lossy().into_owned(), t.map_err(|_| true)))
            .collect();
        assert_eq!(got[0], ("3".into(), Ok("socket:[7]".into())));
        assert_eq!(got[1], ("4".into(), Ok("/etc/shadow".into())));
        assert!(got[2].1.is_err(), "a regular file has no target");
        assert!(matches!(
            root.read_dir_links("/proc/42/fd", 2),
            Err(ReadError::TooManyEntries { .. })
        ));
        assert!(matches!(
            root.read_dir_links("/proc/43/fd", 2),
            Err(ReadError::NotFound { .. })
        ));
        // Simulated live collectors: only those named, only off the live host.
        let sim = root.clone().with_simulated_live(vec!["sockets".into()]);
        assert!(sim.is_live_for("sockets") && !sim.is_live_for("firewall") && !sim.is_live());
        let live = HostRoot::live().with_simulated_live(vec!["sockets".into()]);
        assert!(live.is_live_for("firewall"));
    }
}
