//! C stdio's `fgets`, as the configuration readers written in C (libpam, shadow) see a
//! file: a read returns at most `n - 1` bytes, through the first newline, so a line longer
//! than the buffer comes back in pieces, and the caller sees each piece only up to its
//! first NUL byte (`strlen`). Kept in one place so every reader that mirrors such a loop
//! splits lines the same way.

/// A file read with repeated `fgets` calls.
pub struct Fgets<'a> {
    data: &'a [u8],
    pos: usize,
    line_no: usize,
}

impl<'a> Fgets<'a> {
    pub fn new(data: &'a [u8]) -> Fgets<'a> {
        Fgets {
            data,
            pos: 0,
            line_no: 0,
        }
    }

    /// Physical lines consumed so far (the 1-based number of the last one a read ended or
    /// finished at the end of the file).
    pub fn line_no(&self) -> usize {
        self.line_no
    }

    /// Whether bytes are left to read.
    pub fn has_more(&self) -> bool {
        self.pos < self.data.len()
    }

    /// `fgets(buf, n, f)`: the bytes as a C string sees them (cut at a NUL), whether a
    /// newline ended the read; `None` at the end of the file.
    pub fn read(&mut self, n: usize) -> Option<(&'a [u8], bool)> {
        if self.pos >= self.data.len() {
            return None;
        }
        let rest = &self.data[self.pos..];
        let mut take = rest.len().min(n.saturating_sub(1));
        let mut newline = false;
        if let Some(i) = rest[..take].iter().position(|&b| b == b'\n') {
            take = i + 1;
            newline = true;
        }
        self.pos += take;
        if newline || self.pos >= self.data.len() {
            self.line_no += 1;
        }
        let chunk = &rest[..take];
        Some((
            chunk
                .iter()
                .position(|&b| b == 0)
                .map_or(chunk, |z| &chunk[..z]),
            newline,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_fgets_does() {
        let mut f = Fgets::new(b"abcdef\nx\0y\nlast");
        assert_eq!(f.read(4), Some((&b"abc"[..], false)));
        assert_eq!(f.line_no(), 0);
        assert_eq!(f.read(4), Some((&b"def"[..], false)));
        assert_eq!(f.read(4), Some((&b"\n"[..], true)));
        assert_eq!(f.line_no(), 1);
        assert_eq!(f.read(80), Some((&b"x"[..], true)));
        assert_eq!(f.read(80), Some((&b"last"[..], false)));
        assert_eq!(f.line_no(), 3);
        assert!(!f.has_more());
        assert_eq!(f.read(80), None);
    }
}
