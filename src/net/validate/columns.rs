//! Column data: how many rows the columns of a chunk expand to.
//!
//! automerge's columns are run-length encoded: a record of a few bytes can declare a run of
//! 2^63 values, and automerge expands them while loading. Measured with automerge 0.12: a
//! 69-byte change chunk whose columns declare four million identical operations makes
//! `receive_sync_message` spend 4.3 s and 1.1 GiB, and applies them. So the rows every
//! column declares are counted here, without expanding anything, and bounded per frame.
//!
//! Encodings (automerge `columnar/encoding`, the storage format's "RLE", "delta" and
//! "boolean" columns): an RLE record is a signed LEB128 count, then either one value repeated
//! that many times (positive count), that many literal values (negative count), or an
//! unsigned count of nulls (zero). Values are unsigned LEB128 for actor, integer,
//! value-metadata and group columns, signed LEB128 for delta columns, and length-prefixed
//! bytes for string columns. Boolean columns are unsigned run lengths alternating
//! false/true. Value columns are raw bytes, sized by their metadata column, and declare no
//! rows of their own. Column data is read leniently about overlong LEB128, as automerge's
//! column decoder is.

use super::FrameRejected;
use super::source::{Source, truncated};

/// Low three bits of a column specification.
const GROUP: u32 = 0;
const ACTOR: u32 = 1;
const INTEGER: u32 = 2;
const DELTA: u32 = 3;
const BOOLEAN: u32 = 4;
const STRING: u32 = 5;
const VALUE_METADATA: u32 = 6;
const VALUE: u32 = 7;

/// How many rows the chunks of one frame may still declare.
#[derive(Debug)]
pub(super) struct RowBudget {
    limit: u64,
    used: u64,
}

impl RowBudget {
    pub(super) fn new(limit: u64) -> Self {
        Self { limit, used: 0 }
    }

    pub(super) fn used(&self) -> u64 {
        self.used
    }

    pub(super) fn spend(&mut self, rows: u64) -> Result<(), FrameRejected> {
        self.used = self.used.saturating_add(rows);
        if self.used > self.limit {
            Err(FrameRejected::TooManyRows { limit: self.limit })
        } else {
            Ok(())
        }
    }
}

/// Reads an unsigned LEB128 number of at most ten bytes.
pub(super) fn uleb(src: &mut impl Source) -> Result<u64, FrameRejected> {
    let mut value: u64 = 0;
    for index in 0..10u32 {
        let byte = src.next()?.ok_or_else(truncated)?;
        value |= u64::from(byte & 0x7f).checked_shl(7 * index).unwrap_or(0);
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(FrameRejected::BadChunk(
        "a LEB128 number longer than ten bytes".into(),
    ))
}

/// Reads a signed LEB128 number of at most ten bytes.
pub(super) fn sleb(src: &mut impl Source) -> Result<i64, FrameRejected> {
    let mut value: i64 = 0;
    for index in 0..10u32 {
        let byte = src.next()?.ok_or_else(truncated)?;
        let shift = 7 * index;
        value |= i64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            if shift + 7 < 64 && byte & 0x40 != 0 {
                value |= -1i64 << (shift + 7);
            }
            return Ok(value);
        }
    }
    Err(FrameRejected::BadChunk(
        "a LEB128 number longer than ten bytes".into(),
    ))
}

/// The rows one column declares, and for a group column the items its groups hold.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rows {
    pub(super) rows: u64,
    pub(super) grouped: u64,
}

impl Rows {
    /// What a block of columns costs: its longest column (they describe the same rows).
    pub(super) fn cost(self) -> u64 {
        self.rows.max(self.grouped)
    }

    pub(super) fn max(self, other: Rows) -> Rows {
        Rows {
            rows: self.rows.max(other.rows),
            grouped: self.grouped.max(other.grouped),
        }
    }
}

/// Counts the rows of one column, reading `src` to its end.
pub(super) fn count_rows(spec: u32, src: &mut impl Source) -> Result<Rows, FrameRejected> {
    let mut rows = Rows::default();
    match spec & 0x07 {
        VALUE => {
            // Raw bytes, no rows of their own: consume them.
            while src.next()?.is_some() {}
        }
        BOOLEAN => {
            while let Some(first) = src.next()? {
                let run = uleb(&mut Prefixed::new(first, src))?;
                rows.rows = rows.rows.saturating_add(run);
            }
        }
        kind @ (GROUP | ACTOR | INTEGER | DELTA | STRING | VALUE_METADATA) => {
            while let Some(first) = src.next()? {
                let mut src = Prefixed::new(first, src);
                let count = sleb(&mut src)?;
                if count > 0 {
                    let value = skip_value(kind, &mut src)?;
                    rows.rows = rows.rows.saturating_add(count.unsigned_abs());
                    rows.grouped = rows
                        .grouped
                        .saturating_add(count.unsigned_abs().saturating_mul(value));
                } else if count < 0 {
                    let literals = count.unsigned_abs();
                    rows.rows = rows.rows.saturating_add(literals);
                    // Each value reads at least one byte, so this ends with the data.
                    for _ in 0..literals {
                        let value = skip_value(kind, &mut src)?;
                        rows.grouped = rows.grouped.saturating_add(value);
                    }
                } else {
                    rows.rows = rows.rows.saturating_add(uleb(&mut src)?);
                }
            }
        }
        _ => return Err(FrameRejected::BadChunk("unknown column type".into())),
    }
    if spec & 0x07 != GROUP {
        rows.grouped = 0;
    }
    Ok(rows)
}

/// Skips one value of an RLE column; returns it when it is a number (for group sizes).
fn skip_value(kind: u32, src: &mut impl Source) -> Result<u64, FrameRejected> {
    match kind {
        DELTA => sleb(src).map(|_| 0),
        STRING => {
            let len = uleb(src)?;
            src.skip(len)?;
            Ok(0)
        }
        _ => uleb(src),
    }
}

/// A byte already read (to see whether the column has ended), then the rest of a source.
struct Prefixed<'s, S> {
    first: Option<u8>,
    rest: &'s mut S,
}

impl<'s, S: Source> Prefixed<'s, S> {
    fn new(first: u8, rest: &'s mut S) -> Self {
        Self {
            first: Some(first),
            rest,
        }
    }
}

impl<S: Source> Source for Prefixed<'_, S> {
    fn next(&mut self) -> Result<Option<u8>, FrameRejected> {
        match self.first.take() {
            Some(byte) => Ok(Some(byte)),
            None => self.rest.next(),
        }
    }

    fn skip(&mut self, n: u64) -> Result<(), FrameRejected> {
        if n == 0 {
            return Ok(());
        }
        if self.first.take().is_some() {
            self.rest.skip(n - 1)
        } else {
            self.rest.skip(n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::source::SliceSource;
    use super::*;

    fn rows(spec: u32, bytes: &[u8]) -> Result<Rows, FrameRejected> {
        count_rows(spec, &mut SliceSource(bytes))
    }

    #[test]
    fn runs_literals_and_nulls_are_counted() {
        // Run of 3 × 7, literal [1, 2], 4 nulls.
        let data = [0x03, 0x07, 0x7e, 0x01, 0x02, 0x00, 0x04];
        assert_eq!(rows(INTEGER, &data).map(|r| r.rows), Ok(9));
        // The same as a group column: 3×7 + 1 + 2 items in groups.
        assert_eq!(
            rows(GROUP, &data),
            Ok(Rows {
                rows: 9,
                grouped: 24
            })
        );
        // Strings: literal ["k"], run of 2 × "ab".
        assert_eq!(
            rows(STRING, &[0x7f, 0x01, 0x6b, 0x02, 0x02, 0x61, 0x62]).map(|r| r.rows),
            Ok(3)
        );
        // Booleans: 2 false, 3 true.
        assert_eq!(rows(BOOLEAN, &[0x02, 0x03]).map(|r| r.rows), Ok(5));
        // Delta: run of 1000 × +1 (signed LEB128).
        assert_eq!(rows(DELTA, &[0xe8, 0x07, 0x01]).map(|r| r.rows), Ok(1000));
        assert_eq!(rows(VALUE, &[1, 2, 3]).map(|r| r.rows), Ok(0));
    }

    #[test]
    fn huge_runs_are_counted_not_expanded() {
        // A run of 2^62 - 1 copies of 1: ten bytes.
        let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x01];
        assert_eq!(rows(INTEGER, &huge).map(|r| r.rows), Ok((1 << 62) - 1));
        assert_eq!(rows(GROUP, &huge).map(|r| r.cost()), Ok((1 << 62) - 1));
    }

    #[test]
    fn truncated_columns_are_malformed() {
        assert!(rows(INTEGER, &[0x03]).is_err());
        assert!(rows(STRING, &[0x7f, 0x05, 0x61]).is_err());
        assert!(rows(INTEGER, &[0x80]).is_err());
    }

    #[test]
    fn signed_leb128_is_sign_extended() {
        let read = |bytes: &[u8]| sleb(&mut SliceSource(bytes));
        assert_eq!(read(&[0x7f]), Ok(-1));
        assert_eq!(read(&[0x3f]), Ok(63));
        assert_eq!(read(&[0x80, 0x7f]), Ok(-128));
        assert_eq!(read(&[0xe8, 0x07]), Ok(1000));
    }
}
