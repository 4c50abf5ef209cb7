//! Checks that a stored value is intact automerge data before samod is handed it.
//!
//! A stored value is a sequence of automerge chunks: magic `85 6f 4a 83`, 4 checksum bytes, a
//! type byte, the LEB128 length of the data, the data. For document (0), change (1) and bundle
//! (3) chunks the checksum is the first 4 bytes of the SHA-256 of the type byte, the minimal
//! LEB128 length and the data (automerge 0.12 `storage/chunk.rs`, `hash()`), which we recompute.
//! A compressed change (2) is checksummed over its uncompressed form, so for those rare chunks
//! automerge itself decides, by loading the chunk.
//!
//! Pure: bytes in, verdict out.

use std::fmt;

use sha2::{Digest, Sha256};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const CHUNK_DOCUMENT: u8 = 0;
const CHUNK_CHANGE: u8 = 1;
const CHUNK_COMPRESSED: u8 = 2;
const CHUNK_BUNDLE: u8 = 3;
/// Magic + checksum + type byte: the header before the length.
const FIXED_HEADER_LEN: usize = 9;

/// What is wrong with a stored value. Offsets are of the chunk's first byte within the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChunkDamage {
    Empty,
    BadMagic {
        offset: usize,
    },
    TruncatedHeader {
        offset: usize,
    },
    BadLength {
        offset: usize,
    },
    TruncatedData {
        offset: usize,
        declared: u64,
        available: usize,
    },
    UnknownType {
        offset: usize,
        chunk_type: u8,
    },
    ChecksumMismatch {
        offset: usize,
    },
    CompressedUnreadable {
        offset: usize,
        reason: String,
    },
}

impl fmt::Display for ChunkDamage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkDamage::Empty => write!(f, "the value is empty"),
            ChunkDamage::BadMagic { offset } => {
                write!(f, "no automerge chunk starts at byte {offset}")
            }
            ChunkDamage::TruncatedHeader { offset } => {
                write!(f, "the chunk header at byte {offset} is cut short")
            }
            ChunkDamage::BadLength { offset } => {
                write!(f, "the chunk at byte {offset} has an unreadable length")
            }
            ChunkDamage::TruncatedData {
                offset,
                declared,
                available,
            } => write!(
                f,
                "the chunk at byte {offset} declares {declared} bytes but only {available} follow"
            ),
            ChunkDamage::UnknownType { offset, chunk_type } => {
                write!(
                    f,
                    "the chunk at byte {offset} has unknown type {chunk_type}"
                )
            }
            ChunkDamage::ChecksumMismatch { offset } => {
                write!(f, "the chunk at byte {offset} does not match its checksum")
            }
            ChunkDamage::CompressedUnreadable { offset, reason } => write!(
                f,
                "the compressed chunk at byte {offset} does not load ({reason})"
            ),
        }
    }
}

/// Checks every chunk of `value`; `Ok` with the number of chunks when all are intact.
pub(crate) fn check_chunks(value: &[u8]) -> Result<usize, ChunkDamage> {
    if value.is_empty() {
        return Err(ChunkDamage::Empty);
    }
    let mut offset = 0;
    let mut chunks = 0;
    while offset < value.len() {
        offset = check_chunk(value, offset)?;
        chunks += 1;
    }
    Ok(chunks)
}

/// Checks the chunk starting at `offset`; returns the offset just after it.
fn check_chunk(value: &[u8], offset: usize) -> Result<usize, ChunkDamage> {
    let rest = &value[offset..];
    if rest.len() < FIXED_HEADER_LEN {
        return Err(
            if rest.len() >= MAGIC.len() && rest[..MAGIC.len()] != MAGIC {
                ChunkDamage::BadMagic { offset }
            } else {
                ChunkDamage::TruncatedHeader { offset }
            },
        );
    }
    if rest[..4] != MAGIC {
        return Err(ChunkDamage::BadMagic { offset });
    }
    let checksum = &rest[4..8];
    let chunk_type = rest[8];
    let (declared, len_bytes) = match read_uleb128(&rest[FIXED_HEADER_LEN..]) {
        Leb128::Value(v, n) => (v, n),
        Leb128::Truncated => return Err(ChunkDamage::TruncatedHeader { offset }),
        Leb128::Overflow => return Err(ChunkDamage::BadLength { offset }),
    };
    let data_start = FIXED_HEADER_LEN + len_bytes;
    let available = rest.len() - data_start;
    let data_len = match usize::try_from(declared) {
        Ok(n) if n <= available => n,
        _ => {
            return Err(ChunkDamage::TruncatedData {
                offset,
                declared,
                available,
            });
        }
    };
    let data = &rest[data_start..data_start + data_len];
    let end = offset + data_start + data_len;
    match chunk_type {
        CHUNK_DOCUMENT | CHUNK_CHANGE | CHUNK_BUNDLE => {
            if chunk_checksum(chunk_type, data) != checksum {
                return Err(ChunkDamage::ChecksumMismatch { offset });
            }
        }
        CHUNK_COMPRESSED => {
            // Rare in storage (samod stores changes uncompressed); automerge inflates the data
            // and checks the checksum of the result.
            if let Err(e) = automerge::Automerge::load(&value[offset..end]) {
                return Err(ChunkDamage::CompressedUnreadable {
                    offset,
                    reason: e.to_string(),
                });
            }
        }
        other => {
            return Err(ChunkDamage::UnknownType {
                offset,
                chunk_type: other,
            });
        }
    }
    Ok(end)
}

/// The first 4 bytes of the SHA-256 of the type byte, the minimal LEB128 length and the data, as
/// automerge computes them (whatever length encoding the stored header used).
fn chunk_checksum(chunk_type: u8, data: &[u8]) -> [u8; 4] {
    let mut header = Vec::with_capacity(11);
    header.push(chunk_type);
    write_uleb128(&mut header, data.len() as u64);
    let mut hasher = Sha256::new();
    hasher.update(&header);
    hasher.update(data);
    let hash = hasher.finalize();
    [hash[0], hash[1], hash[2], hash[3]]
}

enum Leb128 {
    /// The value and how many bytes encoded it.
    Value(u64, usize),
    Truncated,
    Overflow,
}

fn read_uleb128(bytes: &[u8]) -> Leb128 {
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let low = u64::from(byte & 0x7f);
        let shift = 7 * i as u32;
        // Ten bytes carry at most 64 bits, and the tenth may only contribute the top bit.
        if i >= 10 || (i == 9 && low > 1) {
            return Leb128::Overflow;
        }
        value |= low << shift;
        if byte & 0x80 == 0 {
            return Leb128::Value(value, i + 1);
        }
    }
    Leb128::Truncated
}

fn write_uleb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT};

    use super::*;

    fn doc_with_edits(n: usize) -> Automerge {
        let mut doc = Automerge::new();
        for i in 0..n {
            doc.transact(|tx| tx.put(ROOT, format!("k{i}"), i as i64))
                .unwrap();
        }
        doc
    }

    #[test]
    fn saved_documents_and_changes_pass() {
        let doc = doc_with_edits(3);
        assert_eq!(check_chunks(&doc.save()), Ok(1));
        for change in doc.get_changes(&[]) {
            assert_eq!(check_chunks(change.raw_bytes()), Ok(1));
        }
        // Several chunks in one value, as `save_after` or concatenated changes produce.
        let mut joined = doc.save();
        joined.extend(doc.get_changes(&[])[0].raw_bytes());
        assert_eq!(check_chunks(&joined), Ok(2));
    }

    #[test]
    fn flipped_bytes_are_caught() {
        let doc = doc_with_edits(2);
        let saved = doc.save();
        for position in [0, 5, 8, saved.len() / 2, saved.len() - 1] {
            let mut damaged = saved.clone();
            damaged[position] ^= 0x55;
            assert!(
                check_chunks(&damaged).is_err(),
                "flip at {position} went unnoticed"
            );
        }
    }

    #[test]
    fn cut_values_are_caught() {
        let doc = doc_with_edits(2);
        let saved = doc.save();
        for len in [1, 4, 8, 9, 12, saved.len() - 1] {
            assert!(check_chunks(&saved[..len]).is_err(), "cut at {len}");
        }
        assert_eq!(check_chunks(&[]), Err(ChunkDamage::Empty));
        let mut trailing = saved.clone();
        trailing.extend([0x85, 0x6f]);
        assert_eq!(
            check_chunks(&trailing),
            Err(ChunkDamage::TruncatedHeader {
                offset: saved.len()
            })
        );
    }

    #[test]
    fn garbage_and_unknown_types_are_caught() {
        assert_eq!(
            check_chunks(b"hello, world"),
            Err(ChunkDamage::BadMagic { offset: 0 })
        );
        let mut unknown = MAGIC.to_vec();
        unknown.extend([0, 0, 0, 0, 9, 0]);
        assert_eq!(
            check_chunks(&unknown),
            Err(ChunkDamage::UnknownType {
                offset: 0,
                chunk_type: 9
            })
        );
        let mut huge = MAGIC.to_vec();
        huge.extend([0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(matches!(
            check_chunks(&huge),
            Err(ChunkDamage::TruncatedData { .. })
        ));
        let mut overflow = MAGIC.to_vec();
        overflow.extend([0, 0, 0, 0, 1]);
        overflow.extend([0xff; 11]);
        assert_eq!(
            check_chunks(&overflow),
            Err(ChunkDamage::BadLength { offset: 0 })
        );
    }

    #[test]
    fn compressed_changes_are_checked_by_loading() {
        let mut doc = Automerge::new();
        // Large enough that automerge compresses the change.
        let text = "copse ".repeat(2000);
        doc.transact(|tx| tx.put(ROOT, "text", text.as_str()))
            .unwrap();
        let mut change = doc.get_last_local_change().unwrap();
        let compressed = change.bytes().into_owned();
        assert_eq!(
            compressed[8], CHUNK_COMPRESSED,
            "automerge did not compress"
        );
        assert_eq!(check_chunks(&compressed), Ok(1));

        let mut damaged = compressed.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 0x55;
        assert!(matches!(
            check_chunks(&damaged),
            Err(ChunkDamage::CompressedUnreadable { .. })
        ));
        let mut wrong_checksum = compressed;
        wrong_checksum[4] ^= 0x55;
        assert!(check_chunks(&wrong_checksum).is_err());
    }

    #[test]
    fn leb128_round_trips() {
        for value in [0, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut bytes = Vec::new();
            write_uleb128(&mut bytes, value);
            match read_uleb128(&bytes) {
                Leb128::Value(v, n) => {
                    assert_eq!((v, n), (value, bytes.len()));
                }
                _ => panic!("{value} did not round trip"),
            }
        }
    }
}
