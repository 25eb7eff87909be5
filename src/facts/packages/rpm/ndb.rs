//! rpm's "new database" (`Packages.db`, SUSE since 15 SP3), read without rpm.
//!
//! Little-endian throughout. A 32-byte header (magic `RpmP`, format version 0, generation,
//! number of 4 KiB slot pages) shares the first slot page with the slot array; each 16-byte
//! slot (magic `Slot`) names a package index and the 16-byte block where its blob starts.
//! A blob starts with its own 16-byte header (magic `BlbS`, package index, checksum,
//! length) followed by the header blob. Every offset and length is checked against the
//! file; a slot whose blob does not match is an error naming the package index.

const HEADER_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOB_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const SLOT_PAGE: usize = 4096;
const SLOT_SIZE: usize = 16;
/// rpm refuses more slot pages than this (a sanity limit of its own reader as well).
const MAX_SLOT_PAGES: usize = 2048;

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

/// Every (package index, header blob) of the database, in slot order.
pub fn blobs(db: &[u8]) -> Result<Vec<(u32, &[u8])>, String> {
    if le32(db, 0) != Some(HEADER_MAGIC) {
        return Err("not an rpm NDB database (no `RpmP` magic)".into());
    }
    if le32(db, 4) != Some(0) {
        return Err(format!(
            "unsupported NDB format version {}",
            le32(db, 4).unwrap_or(0)
        ));
    }
    let pages = le32(db, 12).unwrap_or(0) as usize;
    if pages == 0 || pages > MAX_SLOT_PAGES {
        return Err(format!("invalid number of slot pages ({pages})"));
    }
    let slots_end = pages * SLOT_PAGE;
    if db.len() < slots_end {
        return Err(format!(
            "truncated: {pages} slot pages need {slots_end} bytes, the file has {}",
            db.len()
        ));
    }
    let mut out = Vec::new();
    // The first two slot positions hold the database header.
    for at in (2 * SLOT_SIZE..slots_end).step_by(SLOT_SIZE) {
        let magic = le32(db, at).unwrap_or(0);
        if magic != SLOT_MAGIC {
            return Err(format!("slot at byte {at} has a bad magic ({magic:#010x})"));
        }
        let index = le32(db, at + 4).unwrap_or(0);
        if index == 0 {
            continue;
        }
        let block = le32(db, at + 8).unwrap_or(0) as usize;
        let start = block * 16;
        let err = |what: &str| format!("package index {index}: {what}");
        if le32(db, start) != Some(BLOB_MAGIC) {
            return Err(err("no blob where its slot points"));
        }
        if le32(db, start + 4) != Some(index) {
            return Err(err("the blob belongs to another package"));
        }
        let len = le32(db, start + 12).unwrap_or(0) as usize;
        let blob = start
            .checked_add(16)
            .and_then(|from| db.get(from..from.checked_add(len)?))
            .ok_or_else(|| err("blob runs past the end of the file"))?;
        out.push((index, blob));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_files_are_errors() {
        assert!(blobs(b"").is_err());
        assert!(blobs(b"RpmP\0\0\0\0").is_err());
        let mut db = vec![0u8; SLOT_PAGE];
        db[0..4].copy_from_slice(b"RpmP");
        db[12..16].copy_from_slice(&2u32.to_le_bytes());
        assert!(blobs(&db).unwrap_err().contains("truncated"));
        db[12..16].copy_from_slice(&1u32.to_le_bytes());
        // Slots without magic.
        assert!(blobs(&db).unwrap_err().contains("bad magic"));
        for at in (32..SLOT_PAGE).step_by(16) {
            db[at..at + 4].copy_from_slice(b"Slot");
        }
        assert_eq!(blobs(&db).unwrap().len(), 0);
        // A slot pointing past the end.
        db[36..40].copy_from_slice(&7u32.to_le_bytes());
        db[40..44].copy_from_slice(&100_000u32.to_le_bytes());
        assert!(blobs(&db).unwrap_err().contains("package index 7"));
    }
}
