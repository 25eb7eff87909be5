//! Berkeley DB hash databases, as rpm up to 4.15 keeps its `Packages` file (RHEL and
//! derivatives up to 8), read without libdb.
//!
//! The file is a sequence of pages; page 0 is the hash metadata (magic `0x061561`, page
//! size, last page), in the byte order of the machine that wrote it: both orders are read
//! (an s390x image is big-endian). Hash pages hold key/data pairs; rpm's data are header
//! blobs, stored inline or, when large, on a chain of overflow pages. Every offset, length
//! and page number is checked; a chain that loops or leaves the file is an error.

const HASH_MAGIC: u32 = 0x0006_1561;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
/// The generic page header: LSN, page numbers, entry count, free-space offset, level, type.
const PAGE_HEADER: usize = 26;

#[derive(Clone, Copy)]
struct Order {
    big: bool,
}

impl Order {
    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        })
    }
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.big {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        })
    }
}

/// A key and its value.
pub type Pair = (Vec<u8>, Vec<u8>);

/// Every (key, value) pair of a hash database, in page order.
pub fn pairs(db: &[u8]) -> Result<Vec<Pair>, String> {
    let le = u32::from_le_bytes(
        db.get(12..16)
            .ok_or("file too short for a Berkeley DB header")?
            .try_into()
            .map_err(|_| "file too short for a Berkeley DB header")?,
    );
    let order = if le == HASH_MAGIC {
        Order { big: false }
    } else if le.swap_bytes() == HASH_MAGIC {
        Order { big: true }
    } else {
        return Err(format!(
            "not a Berkeley DB hash database (magic {le:#010x})"
        ));
    };
    let page_size = order.u32(db, 20).unwrap_or(0) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("invalid page size {page_size}"));
    }
    let last = order.u32(db, 32).unwrap_or(0) as usize;
    let pages = db.len() / page_size;
    if last >= pages {
        return Err(format!(
            "truncated: the metadata names page {last}, the file has {pages} pages"
        ));
    }
    let page = |n: usize| -> Option<&[u8]> { db.get(n * page_size..(n + 1) * page_size) };
    let mut out = Vec::new();
    for n in 1..=last {
        let Some(p) = page(n) else { break };
        if !matches!(p[25], P_HASH | P_HASH_UNSORTED) {
            continue;
        }
        let entries = order.u16(p, 20).unwrap_or(0) as usize;
        let offset = |i: usize| -> Result<usize, String> {
            order
                .u16(p, PAGE_HEADER + 2 * i)
                .map(usize::from)
                .filter(|o| *o < page_size)
                .ok_or_else(|| format!("page {n}: entry {i} has no valid offset"))
        };
        let item = |i: usize| -> Result<Vec<u8>, String> {
            let at = offset(i)?;
            let end = if i == 0 { page_size } else { offset(i - 1)? };
            if end <= at {
                return Err(format!("page {n}: entry {i} has a negative length"));
            }
            match p[at] {
                H_KEYDATA => Ok(p[at + 1..end].to_vec()),
                H_OFFPAGE => {
                    let first = order
                        .u32(p, at + 4)
                        .ok_or_else(|| format!("page {n}: entry {i} is cut off"))?;
                    let len = order
                        .u32(p, at + 8)
                        .ok_or_else(|| format!("page {n}: entry {i} is cut off"))?;
                    overflow(db, page_size, pages, order, first as usize, len as usize)
                }
                other => Err(format!("page {n}: entry {i} has unsupported type {other}")),
            }
        };
        for i in (0..entries.saturating_sub(1)).step_by(2) {
            out.push((item(i)?, item(i + 1)?));
        }
    }
    Ok(out)
}

/// The value stored on the overflow chain starting at page `first`, `len` bytes long.
fn overflow(
    db: &[u8],
    page_size: usize,
    pages: usize,
    order: Order,
    first: usize,
    len: usize,
) -> Result<Vec<u8>, String> {
    if len > db.len() {
        return Err(format!(
            "an overflow item claims {len} bytes, more than the file"
        ));
    }
    let mut out = Vec::with_capacity(len);
    let mut n = first;
    let mut hops = 0;
    while out.len() < len {
        if n == 0 || n >= pages {
            return Err(format!("overflow chain leaves the file at page {n}"));
        }
        hops += 1;
        if hops > pages {
            return Err("overflow chain loops".into());
        }
        let p = &db[n * page_size..(n + 1) * page_size];
        if p[25] != P_OVERFLOW {
            return Err(format!(
                "page {n} in an overflow chain is not an overflow page"
            ));
        }
        let on_page = usize::from(order.u16(p, 22).unwrap_or(0));
        let data = p
            .get(PAGE_HEADER..PAGE_HEADER + on_page)
            .ok_or_else(|| format!("overflow page {n} claims more bytes than it holds"))?;
        out.extend_from_slice(data);
        n = order.u32(p, 16).unwrap_or(0) as usize;
    }
    out.truncate(len);
    Ok(out)
}
