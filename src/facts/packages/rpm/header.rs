//! RPM header blobs, as the rpm database stores them: an index of typed tag entries and a
//! data store, big-endian (rpm's `headerImport`).
//!
//! Only the tags an inventory needs are read. Every offset and count is checked against the
//! blob before use, so a truncated or hostile blob is an error, never a panic.

/// `NAME`, `VERSION`, `RELEASE`, `EPOCH`, `LICENSE`, `ARCH`, `SOURCERPM`.
pub const NAME: u32 = 1000;
pub const VERSION: u32 = 1001;
pub const RELEASE: u32 = 1002;
pub const EPOCH: u32 = 1003;
pub const LICENSE: u32 = 1014;
pub const ARCH: u32 = 1022;
pub const SOURCERPM: u32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_I18NSTRING: u32 = 9;

/// rpm refuses headers with more entries or data than this (`hdrchkTags`, `hdrchkData`).
const MAX_ENTRIES: u32 = 0xffff;
const MAX_DATA: u32 = 0x0fff_ffff;

/// One index entry.
#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    kind: u32,
    offset: u32,
    count: u32,
}

/// A parsed header: its index and data store.
#[derive(Debug)]
pub struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let bytes = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

impl<'a> Header<'a> {
    /// Parse a header blob (without the 8-byte magic of a package file's header).
    pub fn parse(blob: &'a [u8]) -> Result<Header<'a>, String> {
        let il = be32(blob, 0).ok_or("header shorter than its 8-byte preamble")?;
        let dl = be32(blob, 4).ok_or("header shorter than its 8-byte preamble")?;
        if il == 0 || il > MAX_ENTRIES {
            return Err(format!(
                "header has {il} index entries (1 to {MAX_ENTRIES} allowed)"
            ));
        }
        if dl > MAX_DATA {
            return Err(format!("header data of {dl} bytes is over rpm's limit"));
        }
        let index_end = 8 + il as usize * 16;
        let data_end = index_end + dl as usize;
        if blob.len() < data_end {
            return Err(format!(
                "header is truncated: {} bytes, its index and data need {data_end}",
                blob.len()
            ));
        }
        let entries = (0..il as usize)
            .map(|i| {
                let at = 8 + i * 16;
                Entry {
                    tag: be32(blob, at).unwrap_or(0),
                    kind: be32(blob, at + 4).unwrap_or(0),
                    offset: be32(blob, at + 8).unwrap_or(0),
                    count: be32(blob, at + 12).unwrap_or(0),
                }
            })
            .collect();
        Ok(Header {
            entries,
            data: &blob[index_end..data_end],
        })
    }

    fn entry(&self, tag: u32) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    /// A string tag (`STRING`, or the first string of an `I18NSTRING`). `Ok(None)` when the
    /// header does not have the tag; an error when it has it in a shape rpm would refuse.
    pub fn string(&self, tag: u32) -> Result<Option<String>, String> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        if e.kind != TYPE_STRING && e.kind != TYPE_I18NSTRING {
            return Err(format!("tag {tag} has type {}, not a string", e.kind));
        }
        let start = e.offset as usize;
        let rest = self
            .data
            .get(start..)
            .ok_or_else(|| format!("tag {tag} points past the header's data"))?;
        let len = rest
            .iter()
            .position(|b| *b == 0)
            .ok_or_else(|| format!("tag {tag}: string not terminated inside the header"))?;
        Ok(Some(String::from_utf8_lossy(&rest[..len]).into_owned()))
    }

    /// An `INT32` tag's first value.
    pub fn int32(&self, tag: u32) -> Result<Option<u32>, String> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        if e.kind != TYPE_INT32 || e.count == 0 {
            return Err(format!(
                "tag {tag} has type {}, not a 32-bit integer",
                e.kind
            ));
        }
        be32(self.data, e.offset as usize)
            .map(Some)
            .ok_or_else(|| format!("tag {tag} points past the header's data"))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Build a header blob from (tag, type, bytes) entries.
    pub(crate) fn blob(entries: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, kind, bytes) in entries {
            while *kind == TYPE_INT32 && data.len() % 4 != 0 {
                data.push(0);
            }
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&kind.to_be_bytes());
            index.extend_from_slice(&(data.len() as u32).to_be_bytes());
            index.extend_from_slice(&1u32.to_be_bytes());
            data.extend_from_slice(bytes);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    #[test]
    fn reads_strings_and_integers_and_refuses_truncation() {
        let b = blob(&[
            (NAME, TYPE_STRING, b"bash\0"),
            (EPOCH, TYPE_INT32, &2u32.to_be_bytes()),
        ]);
        let h = Header::parse(&b).unwrap();
        assert_eq!(h.string(NAME).unwrap().as_deref(), Some("bash"));
        assert_eq!(h.int32(EPOCH).unwrap(), Some(2));
        assert_eq!(h.string(VERSION).unwrap(), None);
        assert!(h.int32(NAME).is_err());
        for cut in [0, 4, 8, 20, b.len() - 1] {
            assert!(Header::parse(&b[..cut]).is_err(), "cut at {cut}");
        }
        // A string running off the end of the data.
        let bad = blob(&[(NAME, TYPE_STRING, b"bash")]);
        assert!(Header::parse(&bad).unwrap().string(NAME).is_err());
        // Absurd counts.
        let mut huge = b.clone();
        huge[0..4].copy_from_slice(&0x10000u32.to_be_bytes());
        assert!(Header::parse(&huge).is_err());
    }
}
