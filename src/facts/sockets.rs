//! Listening sockets of the running host, with the processes that hold them.
//!
//! A service nobody meant to expose (telnet left from an install, an X server, a database
//! bound to every address) is reachable the moment it listens, whatever the configuration
//! files say; the kernel's socket tables are the ground truth. This collector reads them as
//! the kernel prints them and names the owning process, so a finding can say "tcp/23 on
//! 0.0.0.0, held by inetd (pid 812)". It is live-only: an image has no sockets, so on an
//! offline root it does not run and the checks that need it are `not_applicable`.
//!
//! The tables are `/proc/self/net/{tcp,tcp6,udp,udp6}`: the network namespace of the
//! scanner itself (which one is recorded, with PID 1's for comparison, since Ward inside a
//! container sees the container's sockets, not the host's). Each line is the kernel's
//! `get_tcp4_sock`/`tcp6_sock_seq_show`/`udp4_format_sock`/`udp6_sock_seq_show` output:
//! `sl: local rem st tx:rx tr:when retrnsmt uid timeout inode ...`. Addresses are the hex
//! of the in-memory 32-bit words (`%08X` of a `__be32`), so on a little-endian machine
//! 127.0.0.1 prints as `0100007F` and each of an IPv6 address's four words is byte-swapped
//! the same way; ports are printed in host order. A TCP socket listens in state `0A`
//! (`TCP_LISTEN`); a UDP socket receives datagrams from anyone when it is bound to a port
//! and unconnected, state `07` (`TCP_CLOSE`). A line that does not read as that format is
//! a problem naming `path:line`, and checks are then `error`.
//!
//! Owners are found by walking `/proc/[pid]/fd`: a descriptor that links to `socket:[INODE]`
//! holds the socket of that inode. Only `/proc/[pid]/comm` is read for the name, never the
//! command line (arguments can carry passwords). The walk is bounded (processes, descriptors
//! per process, descriptors in all) and tolerates processes that exit during it; a socket
//! whose owner cannot be found says why (not root, the walk's bound, or no process holds it).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{HostRoot, ReadError};

/// The socket tables read: path, protocol, address family.
pub const TABLES: [(&str, &str, &str); 4] = [
    ("/proc/self/net/tcp", "tcp", "ipv4"),
    ("/proc/self/net/tcp6", "tcp", "ipv6"),
    ("/proc/self/net/udp", "udp", "ipv4"),
    ("/proc/self/net/udp6", "udp", "ipv6"),
];
/// The scanner's network namespace.
pub const OWN_NAMESPACE: &str = "/proc/self/ns/net";
/// PID 1's network namespace (the host's, unless Ward runs in a container).
pub const INIT_NAMESPACE: &str = "/proc/1/ns/net";
/// Most processes whose descriptors are examined (a longer `/proc` listing is not walked).
pub const MAX_PROCESSES: usize = 10_000;
/// Most descriptors one process may have for its descriptors to be read.
pub const MAX_FDS_PER_PROCESS: usize = 65_536;
/// Most descriptors read in all; the walk stops there.
pub const MAX_FDS_TOTAL: usize = 500_000;

/// TCP's `TCP_LISTEN` state as `/proc/net/tcp` prints it.
const TCP_LISTEN: u8 = 0x0A;
/// `TCP_CLOSE`: an unconnected UDP socket.
const UDP_UNCONNECTED: u8 = 0x07;

/// What the collector found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sockets {
    /// The network namespace whose tables were read (`net:[4026531840]`), or why unknown.
    pub namespace: String,
    /// PID 1's network namespace, or why it could not be read.
    pub init_namespace: String,
    /// Each table: its path and how many sockets it listed, or why it was not read.
    pub tables: Vec<Table>,
    /// TCP sockets in LISTEN and bound, unconnected UDP sockets, in table order.
    pub sockets: Vec<Socket>,
    /// Lines that do not read as the kernel's format, and tables that could not be read:
    /// checks are `error` while any is present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// How the owning processes were looked for.
    pub owners: OwnerWalk,
}

/// One socket table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub path: String,
    /// Sockets (of any state) listed; `None` when the table was not read.
    pub entries: Option<usize>,
    /// Why it was not read, or a remark (`absent: the kernel has no IPv6`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A line or file that could not be read as the kernel writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub origin: Origin,
    pub message: String,
}

/// A listening TCP socket or a bound, unconnected UDP socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Socket {
    /// `tcp` or `udp`.
    pub protocol: String,
    /// `ipv4` or `ipv6` (the table it is in).
    pub family: String,
    /// The local address (`0.0.0.0`, `127.0.0.1`, `::`, `::ffff:127.0.0.1`).
    pub address: IpAddr,
    pub port: u16,
    /// `listen` (TCP) or `unconnected` (UDP).
    pub state: String,
    /// The socket's owner as the kernel records it.
    pub uid: u32,
    pub inode: u64,
    /// The table line.
    pub origin: Origin,
    /// The processes holding a descriptor of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<Process>,
    /// Why no process is named, when none is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_unknown: Option<String>,
}

/// A process holding a socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    pub pid: u32,
    /// `/proc/PID/comm` (at most 15 bytes, set by the program; never its arguments).
    pub comm: String,
}

/// The walk through `/proc/[pid]/fd`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerWalk {
    /// Processes whose descriptors were read.
    pub processes: usize,
    /// Descriptors read.
    pub descriptors: usize,
    /// Processes whose descriptors could not be read (another user's, without root).
    pub denied: usize,
    /// Processes that exited during the walk.
    pub vanished: usize,
    /// Why the walk stopped early or was not made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// The user Ward ran as.
    pub uid: u32,
}

impl Socket {
    /// Whether only this host can reach it: bound to 127.0.0.0/8, `::1`, or an IPv4-mapped
    /// loopback address.
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.address)
    }

    /// `tcp/22`, `udp/123`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.protocol, self.port)
    }

    /// The address and port as a client would write them (`[::]:22`, `0.0.0.0:22`).
    pub fn endpoint(&self) -> String {
        match self.address {
            IpAddr::V4(a) => format!("{a}:{}", self.port),
            IpAddr::V6(a) => format!("[{a}]:{}", self.port),
        }
    }

    /// The owning processes (`sshd (pid 612)`), or why unknown.
    pub fn owner(&self) -> String {
        if self.processes.is_empty() {
            return format!(
                "owner unknown: {}",
                self.owner_unknown.as_deref().unwrap_or("not looked for")
            );
        }
        // Workers sharing one listener (nginx, postgres) can be many: name a few.
        let mut shown: Vec<String> = self
            .processes
            .iter()
            .take(5)
            .map(|p| format!("{} (pid {})", p.comm, p.pid))
            .collect();
        if self.processes.len() > 5 {
            shown.push(format!("and {} more", self.processes.len() - 5));
        }
        shown.join(", ")
    }
}

/// Whether an address is a loopback address (IPv4-mapped IPv6 included).
pub fn is_loopback(a: &IpAddr) -> bool {
    match a {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The byte order of the words the kernel printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
}

impl Endian {
    /// The order of the machine Ward runs on, which is the kernel's it reads.
    pub const NATIVE: Endian = if cfg!(target_endian = "little") {
        Endian::Little
    } else {
        Endian::Big
    };

    fn bytes(self, word: u32) -> [u8; 4] {
        match self {
            Endian::Little => word.to_le_bytes(),
            Endian::Big => word.to_be_bytes(),
        }
    }
}

/// Collect the sockets of the live host's (or a simulating fixture's) `/proc`.
pub fn collect(root: &HostRoot) -> Fact<Sockets> {
    let mut out = Sockets {
        namespace: namespace(root, OWN_NAMESPACE),
        init_namespace: namespace(root, INIT_NAMESPACE),
        ..Sockets::default()
    };
    for (path, protocol, family) in TABLES {
        let text = match root.read_lossy(path) {
            Ok(t) => t,
            Err(ReadError::NotFound { .. }) if family == "ipv6" => {
                out.tables.push(Table {
                    path: path.into(),
                    entries: None,
                    note: Some("absent: the kernel has no IPv6 (ipv6.disable=1)".into()),
                });
                continue;
            }
            Err(e) => {
                out.tables.push(Table {
                    path: path.into(),
                    entries: None,
                    note: Some(e.to_string()),
                });
                out.problems.push(Problem {
                    origin: Origin::file(path),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let parsed = parse_table(&text, path, protocol, family, Endian::NATIVE);
        out.tables.push(Table {
            path: path.into(),
            entries: Some(parsed.entries),
            note: None,
        });
        out.sockets.extend(parsed.sockets);
        out.problems.extend(parsed.problems);
    }
    find_owners(root, &mut out);
    Fact::Collected { value: out }
}

fn namespace(root: &HostRoot, path: &str) -> String {
    match root.read_link(path) {
        Ok(t) => t,
        Err(ReadError::PermissionDenied { .. }) => {
            format!("unknown ({path}: permission denied; reading it needs the ptrace capability)")
        }
        Err(e) => format!("unknown ({e})"),
    }
}

/// One table, parsed.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Lines after the header that were read (sockets of any state).
    pub entries: usize,
    /// Listening TCP or bound, unconnected UDP sockets.
    pub sockets: Vec<Socket>,
    pub problems: Vec<Problem>,
}

/// Parse a `/proc/net/{tcp,tcp6,udp,udp6}` table as the kernel prints it, words in `endian`
/// order. `protocol` is `tcp` or `udp`, `family` `ipv4` or `ipv6`.
pub fn parse_table(text: &str, path: &str, protocol: &str, family: &str, endian: Endian) -> Parsed {
    let mut out = Parsed::default();
    let path: std::borrow::Cow<'static, str> = path.to_string().into();
    let mut lines = text.split('\n').enumerate();
    let problem = |n: usize, message: String| Problem {
        origin: Origin::at(path.clone(), n),
        message,
    };
    match lines.next() {
        Some((_, h)) if h.split_whitespace().next() == Some("sl") => {}
        Some((_, h)) => {
            out.problems.push(problem(
                1,
                format!(
                    "not a socket table: the first line is {:?}, not the kernel's `sl local_address ...` header",
                    cut(h)
                ),
            ));
            return out;
        }
        None => unreachable!("split yields at least one item"),
    }
    for (i, line) in lines {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        out.entries += 1;
        match parse_line(line, protocol, family, endian) {
            Ok(Some(mut s)) => {
                s.origin = Origin::at(path.clone(), n);
                out.sockets.push(s);
            }
            Ok(None) => {}
            Err(e) => out
                .problems
                .push(problem(n, format!("{e}: {:?}", cut(line)))),
        }
    }
    out
}

fn cut(s: &str) -> String {
    s.trim().chars().take(120).collect()
}

/// One table line: the socket if it is listening (TCP) or bound and unconnected (UDP).
fn parse_line(
    line: &str,
    protocol: &str,
    family: &str,
    endian: Endian,
) -> Result<Option<Socket>, String> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 10 {
        return Err(format!(
            "{} fields, the kernel prints at least 10 (sl, local and remote address, state, queues, timer, retransmits, uid, timeout, inode)",
            f.len()
        ));
    }
    if !f[0].ends_with(':') || f[0][..f[0].len() - 1].parse::<u64>().is_err() {
        return Err(format!("slot {:?} is not `N:`", f[0]));
    }
    let (address, port) = endpoint(f[1], family, endian)?;
    let (remote, remote_port) = endpoint(f[2], family, endian)?;
    let state = u8::from_str_radix(f[3], 16).map_err(|_| format!("state {:?} is not hex", f[3]))?;
    let uid: u32 = f[7]
        .parse()
        .map_err(|_| format!("uid {:?} is not a number", f[7]))?;
    let inode: u64 = f[9]
        .parse()
        .map_err(|_| format!("inode {:?} is not a number", f[9]))?;
    let state = match protocol {
        "tcp" if state == TCP_LISTEN => "listen",
        "udp"
            if state == UDP_UNCONNECTED
                && port != 0
                && remote_port == 0
                && remote.is_unspecified() =>
        {
            "unconnected"
        }
        _ => return Ok(None),
    };
    Ok(Some(Socket {
        protocol: protocol.into(),
        family: family.into(),
        address,
        port,
        state: state.into(),
        uid,
        inode,
        origin: Origin::default(),
        processes: Vec::new(),
        owner_unknown: None,
    }))
}

/// `HEX:PORT`, the address as 1 (IPv4) or 4 (IPv6) words of 8 hex digits.
fn endpoint(field: &str, family: &str, endian: Endian) -> Result<(IpAddr, u16), String> {
    let (addr, port) = field
        .split_once(':')
        .ok_or_else(|| format!("address {field:?} has no `:PORT`"))?;
    let port = if port.len() == 4 {
        u16::from_str_radix(port, 16).ok()
    } else {
        None
    }
    .ok_or_else(|| format!("port {port:?} is not 4 hex digits"))?;
    let words = match family {
        "ipv4" => 1,
        _ => 4,
    };
    if addr.len() != 8 * words || !addr.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("address {addr:?} is not {} hex digits", 8 * words));
    }
    let mut bytes = Vec::with_capacity(4 * words);
    for w in 0..words {
        let word = u32::from_str_radix(&addr[8 * w..8 * w + 8], 16)
            .map_err(|_| format!("address {addr:?} is not hex"))?;
        bytes.extend_from_slice(&endian.bytes(word));
    }
    let ip = if words == 1 {
        IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))
    } else {
        let mut b = [0u8; 16];
        b.copy_from_slice(&bytes);
        IpAddr::V6(Ipv6Addr::from(b))
    };
    Ok((ip, port))
}

/// The inode a descriptor link names, when it is a socket (`socket:[12345]`).
fn socket_inode(target: &str) -> Option<u64> {
    target
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Walk `/proc/[pid]/fd` for the descriptors of the sockets found, within the bounds.
fn find_owners(root: &HostRoot, out: &mut Sockets) {
    out.owners.uid = super::current_uid();
    let wanted: BTreeSet<u64> = out
        .sockets
        .iter()
        .map(|s| s.inode)
        .filter(|i| *i != 0)
        .collect();
    let mut holders: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
    if !wanted.is_empty() {
        walk(root, &wanted, &mut holders, &mut out.owners);
    }
    let mut comms: BTreeMap<u32, Option<String>> = BTreeMap::new();
    for s in &mut out.sockets {
        let pids = holders.get(&s.inode).cloned().unwrap_or_default();
        for pid in pids {
            let comm = comms
                .entry(pid)
                .or_insert_with(|| {
                    root.read_lossy(format!("/proc/{pid}/comm"))
                        .ok()
                        .map(|c| c.trim_end_matches('\n').to_string())
                })
                .clone();
            match comm {
                Some(comm) => s.processes.push(Process { pid, comm }),
                // Exited between the walk and now: its name is gone with it.
                None => s.processes.push(Process {
                    pid,
                    comm: "(exited)".into(),
                }),
            }
        }
        if s.processes.is_empty() {
            s.owner_unknown = Some(unknown_owner(s, &out.owners));
        }
    }
}

fn unknown_owner(s: &Socket, w: &OwnerWalk) -> String {
    if s.inode == 0 {
        return "the kernel gives no inode for it".into();
    }
    if let Some(why) = &w.stopped {
        return format!("the process walk stopped early ({why})");
    }
    if w.denied > 0 {
        return format!(
            "{} process(es) could not be inspected (Ward ran as uid {}; reading another process's descriptors needs root with the ptrace capability)",
            w.denied, w.uid
        );
    }
    let mut why = String::from(
        "no process Ward can see holds it (a kernel service such as nfsd or a tunnel, or a process that exited during the walk)",
    );
    if w.uid != 0 {
        why.push_str(&format!(
            "; Ward ran as uid {}, so other users' processes may be hidden (hidepid)",
            w.uid
        ));
    }
    why
}

fn walk(
    root: &HostRoot,
    wanted: &BTreeSet<u64>,
    holders: &mut BTreeMap<u64, Vec<u32>>,
    w: &mut OwnerWalk,
) {
    let pids = match root.read_dir_matching("/proc", |n| {
        let b = n.as_encoded_bytes();
        !b.is_empty() && b.iter().all(u8::is_ascii_digit)
    }) {
        Ok(p) => p,
        Err(e) => {
            w.stopped = Some(format!("/proc could not be listed: {e}"));
            return;
        }
    };
    let mut pids: Vec<u32> = pids
        .iter()
        .filter_map(|e| e.name_str().and_then(|n| n.parse().ok()))
        .collect();
    pids.sort_unstable();
    if pids.len() > MAX_PROCESSES {
        w.stopped = Some(format!(
            "{} processes, more than the {MAX_PROCESSES} examined",
            pids.len()
        ));
        return;
    }
    for pid in pids {
        if w.descriptors >= MAX_FDS_TOTAL {
            w.stopped = Some(format!(
                "{MAX_FDS_TOTAL} descriptors read, the most the walk reads"
            ));
            return;
        }
        let links = match root.read_dir_links(format!("/proc/{pid}/fd"), MAX_FDS_PER_PROCESS) {
            Ok(l) => l,
            Err(ReadError::NotFound { .. }) => {
                w.vanished += 1;
                continue;
            }
            Err(ReadError::PermissionDenied { .. }) => {
                w.denied += 1;
                continue;
            }
            Err(ReadError::TooManyEntries { .. }) => {
                w.stopped = Some(format!(
                    "process {pid} has more than {MAX_FDS_PER_PROCESS} descriptors"
                ));
                continue;
            }
            Err(_) => {
                w.denied += 1;
                continue;
            }
        };
        w.processes += 1;
        w.descriptors += links.len();
        let mut refused = false;
        for (_, target) in links {
            let target = match target {
                Ok(t) => t,
                // A descriptor closed between listing and reading is simply gone.
                Err(ReadError::NotFound { .. }) => continue,
                // Listing may be allowed where reading the links is not (another user's
                // process, or root without the ptrace capability).
                Err(_) => {
                    refused = true;
                    continue;
                }
            };
            if let Some(inode) = socket_inode(&target) {
                if wanted.contains(&inode) {
                    let list = holders.entry(inode).or_default();
                    if !list.contains(&pid) {
                        list.push(pid);
                    }
                }
            }
        }
        if refused {
            w.denied += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured on a little-endian (x86-64) Debian 12 host.
    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 18303 1 0000000000000000 100 0 0 10 0                     
   1: 0100007F:0019 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20417 1 0000000000000000 100 0 0 10 0                     
   2: 3500007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 17021 1 0000000000000000 100 0 0 10 5                     
   3: 0F02000A:0016 0102000A:C8D2 01 00000000:00000000 02:0008E4DD 00000000     0        0 30312 2 0000000000000000 20 4 29 10 -1                    
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 18305 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0019 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20419 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 40001 1 0000000000000000 100 0 0 10 0
   3: B80D0120000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 40002 1 0000000000000000 100 0 0 10 0
";
    const UDP: &str = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops             
  512: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 17020 2 0000000000000000 0          
  788: 00000000:0045 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 22000 2 0000000000000000 0          
  900: 0F02000A:D431 08080808:0035 01 00000000:00000000 00:00000000 00000000  1000        0 22001 2 0000000000000000 0          
  901: 00000000:0000 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 22002 2 0000000000000000 0          
";

    fn sockets(text: &str, proto: &str, family: &str) -> Vec<(String, u16, u32, u64)> {
        let p = parse_table(text, "/proc/self/net/x", proto, family, Endian::Little);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        p.sockets
            .into_iter()
            .map(|s| (s.address.to_string(), s.port, s.uid, s.inode))
            .collect()
    }

    #[test]
    fn ipv4_words_are_little_endian_and_only_listeners_count() {
        assert_eq!(
            sockets(TCP, "tcp", "ipv4"),
            vec![
                ("0.0.0.0".into(), 22, 0, 18303),
                ("127.0.0.1".into(), 25, 0, 20417),
                ("127.0.0.53".into(), 53, 101, 17021),
            ]
        );
        let p = parse_table(TCP, "/proc/self/net/tcp", "tcp", "ipv4", Endian::Little);
        assert_eq!(p.entries, 4);
        assert_eq!(p.sockets[1].origin.to_string(), "/proc/self/net/tcp:3");
    }

    #[test]
    fn ipv6_words_each_byte_swapped_and_v4_mapped() {
        let s = sockets(TCP6, "tcp", "ipv6");
        assert_eq!(
            s,
            vec![
                ("::".into(), 22, 0, 18305),
                ("::1".into(), 25, 0, 20419),
                ("::ffff:127.0.0.1".into(), 8080, 1000, 40001),
                ("2001:db8::1".into(), 443, 33, 40002),
            ]
        );
        let p = parse_table(TCP6, "x", "tcp", "ipv6", Endian::Little);
        let loopback: Vec<bool> = p.sockets.iter().map(Socket::is_loopback).collect();
        assert_eq!(loopback, vec![false, true, true, false]);
    }

    #[test]
    fn big_endian_kernels_print_the_bytes_in_order() {
        let text = "  sl  local_address rem_address   st\n   0: 7F000001:0019 00000000:0000 0A 0 0 0 0 0 77 1\n";
        let p = parse_table(text, "x", "tcp", "ipv4", Endian::Big);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.sockets[0].address.to_string(), "127.0.0.1");
        assert_eq!(p.sockets[0].inode, 77);
    }

    #[test]
    fn udp_bound_unconnected_only() {
        assert_eq!(
            sockets(UDP, "udp", "ipv4"),
            vec![
                ("127.0.0.53".into(), 53, 101, 17020),
                ("0.0.0.0".into(), 69, 0, 22000),
            ]
        );
    }

    #[test]
    fn malformed_lines_are_problems_naming_the_line() {
        let text =
            format!("{TCP}   9: 0100007F:ZZZZ 00000000:0000 0A 0 0 0 0 0 1 1\n   10: short\n");
        let p = parse_table(&text, "/proc/self/net/tcp", "tcp", "ipv4", Endian::Little);
        let at: Vec<String> = p.problems.iter().map(|p| p.origin.to_string()).collect();
        assert_eq!(at, vec!["/proc/self/net/tcp:6", "/proc/self/net/tcp:7"]);
        assert_eq!(p.sockets.len(), 3);
        let p = parse_table("garbage\n", "/x", "tcp", "ipv4", Endian::Little);
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].message.contains("header"));
        // A v4 table read as v6 (wrong width) is refused, never misread.
        let p = parse_table(TCP, "/x", "tcp", "ipv6", Endian::Little);
        assert_eq!(p.problems.len(), 4);
    }

    #[test]
    fn descriptor_links() {
        assert_eq!(socket_inode("socket:[18303]"), Some(18303));
        assert_eq!(socket_inode("pipe:[18303]"), None);
        assert_eq!(socket_inode("/dev/null"), None);
        assert_eq!(socket_inode("socket:[x]"), None);
    }

    #[test]
    fn owners_from_a_proc_tree_and_reasons_when_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let w = |p: &str, text: &str| {
            let p = d.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("proc/self/net/tcp", TCP);
        w("proc/self/net/udp", UDP);
        w("proc/612/comm", "sshd\n");
        w("proc/700/comm", "exim4\n");
        std::fs::create_dir_all(d.join("proc/612/fd")).unwrap();
        std::fs::create_dir_all(d.join("proc/700/fd")).unwrap();
        std::os::unix::fs::symlink("socket:[18303]", d.join("proc/612/fd/3")).unwrap();
        std::os::unix::fs::symlink("/dev/null", d.join("proc/612/fd/0")).unwrap();
        std::os::unix::fs::symlink("socket:[20417]", d.join("proc/700/fd/4")).unwrap();
        std::fs::create_dir_all(d.join("proc/self/ns")).unwrap();
        std::os::unix::fs::symlink("net:[4026531840]", d.join("proc/self/ns/net")).unwrap();
        let root = HostRoot::new(d)
            .unwrap()
            .with_simulated_live(vec!["sockets".into()]);
        let s = collect(&root).value().cloned().unwrap();
        // No IPv6 tables in this tree: recorded, not a problem.
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!(s.tables.len(), 4);
        assert_eq!(s.sockets.len(), 5);
        assert_eq!(s.sockets[0].owner(), "sshd (pid 612)");
        assert_eq!(s.sockets[1].owner(), "exim4 (pid 700)");
        assert!(s.sockets[2].owner_unknown.is_some());
        assert_eq!(s.owners.processes, 2);
        assert_eq!(s.owners.descriptors, 3);
        assert_eq!(s.namespace, "net:[4026531840]");
        assert!(
            s.init_namespace.starts_with("unknown"),
            "{}",
            s.init_namespace
        );
    }
}
