//! A cursor over bytes a peer sent: every read is bounds-checked and nothing is allocated.
//!
//! LEB128 is read with automerge's own rules (at most ten bytes, no overlong encodings), so a
//! structure this module measures is the structure automerge will later parse.

use std::fmt;

/// Why bytes could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReadError {
    /// The structure claims more bytes than are left.
    Truncated { wanted: u64, left: usize },
    /// A LEB128 number with a redundant trailing zero byte (automerge refuses these).
    Overlong,
    /// A LEB128 number too large for its type.
    TooLarge,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { wanted, left } => {
                write!(f, "claims {wanted} bytes but only {left} are left")
            }
            Self::Overlong => f.write_str("overlong LEB128 number"),
            Self::TooLarge => f.write_str("LEB128 number too large"),
        }
    }
}

/// Size of a change hash, which heads, needs and dependencies are lists of.
const HASH_BYTES: u64 = 32;

#[derive(Clone, Copy, Debug)]
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// How many bytes are left to read.
    pub(super) fn remaining(&self) -> usize {
        self.bytes.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(super) fn left(&self) -> usize {
        self.bytes.len()
    }

    pub(super) fn take(&mut self, n: u64) -> Result<&'a [u8], ReadError> {
        let truncated = ReadError::Truncated {
            wanted: n,
            left: self.bytes.len(),
        };
        let n = usize::try_from(n).map_err(|_| truncated)?;
        if n > self.bytes.len() {
            return Err(truncated);
        }
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(taken)
    }

    pub(super) fn byte(&mut self) -> Result<u8, ReadError> {
        let (&first, rest) = self
            .bytes
            .split_first()
            .ok_or(ReadError::Truncated { wanted: 1, left: 0 })?;
        self.bytes = rest;
        Ok(first)
    }

    /// An unsigned LEB128 number, as automerge's `leb128_u64` reads it.
    pub(super) fn uleb(&mut self) -> Result<u64, ReadError> {
        let mut value: u64 = 0;
        for index in 0..10u32 {
            let byte = self.byte()?;
            let more = byte & 0x80 != 0;
            let payload = u64::from(byte & 0x7f);
            if index == 9 && (more || payload > 1) {
                return Err(ReadError::TooLarge);
            }
            value |= payload << (7 * index);
            if !more {
                if index > 0 && byte == 0 {
                    return Err(ReadError::Overlong);
                }
                return Ok(value);
            }
        }
        Err(ReadError::TooLarge)
    }

    /// An unsigned LEB128 number that automerge reads as a `u32`.
    pub(super) fn uleb_u32(&mut self) -> Result<u32, ReadError> {
        u32::try_from(self.uleb()?).map_err(|_| ReadError::TooLarge)
    }

    /// Skips a signed LEB128 number. Its length is all that matters here: automerge checks the
    /// value, and ends the number on the same byte.
    pub(super) fn skip_sleb(&mut self) -> Result<(), ReadError> {
        for _ in 0..10 {
            if self.byte()? & 0x80 == 0 {
                return Ok(());
            }
        }
        Err(ReadError::TooLarge)
    }

    /// A LEB128 length followed by that many bytes.
    pub(super) fn length_prefixed(&mut self) -> Result<&'a [u8], ReadError> {
        let len = self.uleb()?;
        self.take(len)
    }

    /// A LEB128 count followed by that many 32-byte change hashes; returns the count.
    pub(super) fn hashes(&mut self) -> Result<u64, ReadError> {
        let count = self.uleb()?;
        let len = count.checked_mul(HASH_BYTES).ok_or(ReadError::Truncated {
            wanted: u64::MAX,
            left: self.bytes.len(),
        })?;
        self.take(len)?;
        Ok(count)
    }

    /// A LEB128 count followed by that many length-prefixed byte strings (actor ids); returns
    /// the count. Each item reads at least one byte, so a huge count fails on the input's end.
    pub(super) fn length_prefixed_list(&mut self) -> Result<u64, ReadError> {
        let count = self.uleb()?;
        for _ in 0..count {
            self.length_prefixed()?;
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uleb_matches_automerge_rules() {
        assert_eq!(Reader::new(&[0x01]).uleb(), Ok(1));
        assert_eq!(Reader::new(&[0x81, 0x01]).uleb(), Ok(129));
        assert_eq!(Reader::new(&[0x80, 0x00]).uleb(), Err(ReadError::Overlong));
        assert_eq!(Reader::new(&[0x00]).uleb(), Ok(0));
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(Reader::new(&max).uleb(), Ok(u64::MAX));
        let too_large = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(Reader::new(&too_large).uleb(), Err(ReadError::TooLarge));
        let too_long = [0x80; 11];
        assert_eq!(Reader::new(&too_long).uleb(), Err(ReadError::TooLarge));
        assert!(matches!(
            Reader::new(&[0x80]).uleb(),
            Err(ReadError::Truncated { .. })
        ));
    }

    #[test]
    fn huge_claims_fail_without_allocating() {
        let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert!(Reader::new(&huge).length_prefixed().is_err());
        assert!(Reader::new(&huge).hashes().is_err());
        assert!(Reader::new(&huge).length_prefixed_list().is_err());
    }
}
