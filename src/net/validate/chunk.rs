//! automerge storage chunks inside a sync message: their layout, and a bounded inflation of
//! everything DEFLATE-compressed in them (HOSTILE_INPUTS.md H2).
//!
//! automerge inflates a compressed change (chunk type 2) and every compressed column of a
//! document (type 0) or bundle (type 3) fully, before any size or checksum check. Here the
//! same bytes are inflated with the same decoder into a fixed buffer that is counted and
//! thrown away, so the work stops one byte past the budget and the memory used stays constant.
//! Layouts follow automerge 0.12's `storage/chunk.rs`, `storage/document.rs`,
//! `storage/change.rs`, `storage/bundle/storage.rs` and `storage/columns/raw_column.rs`.

use std::io::{ErrorKind, Read};

use super::reader::{ReadError, Reader};
use super::{FrameRejected, Inspection};

/// The first four bytes of every chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// The bit of a column specification that marks its data as DEFLATE-compressed.
const DEFLATE_BIT: u32 = 0x08;

/// How many more bytes this frame may inflate to.
#[derive(Debug)]
pub(super) struct InflateBudget {
    limit: usize,
    used: usize,
}

impl InflateBudget {
    pub(super) fn new(limit: usize) -> Self {
        Self { limit, used: 0 }
    }

    pub(super) fn used(&self) -> usize {
        self.used
    }

    /// Inflates `compressed` as automerge would, counting the output against the budget.
    pub(super) fn inflate(&mut self, compressed: &[u8], what: &str) -> Result<(), FrameRejected> {
        let mut decoder = flate2::bufread::DeflateDecoder::new(compressed);
        let mut buf = [0u8; 16 * 1024];
        loop {
            // Ask for at most one byte past the budget, so the budget is exact.
            let want = self
                .limit
                .saturating_sub(self.used)
                .saturating_add(1)
                .min(buf.len());
            let Some(window) = buf.get_mut(..want) else {
                return Err(FrameRejected::InflatesTooMuch { limit: self.limit });
            };
            match decoder.read(window) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    self.used = self.used.saturating_add(n);
                    if self.used > self.limit {
                        return Err(FrameRejected::InflatesTooMuch { limit: self.limit });
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(bad(format!("{what} does not inflate: {e}"))),
            }
        }
    }
}

fn bad(reason: String) -> FrameRejected {
    FrameRejected::BadChunk(reason)
}

/// Adds context to a read error.
fn at(what: &'static str) -> impl Fn(ReadError) -> FrameRejected {
    move |e| bad(format!("{what}: {e}"))
}

/// Checks a sequence of whole chunks (one entry of a sync message's change list).
pub(super) fn check_chunks(
    bytes: &[u8],
    budget: &mut InflateBudget,
    seen: &mut Inspection,
) -> Result<(), FrameRejected> {
    let mut r = Reader::new(bytes);
    while !r.is_empty() {
        let magic = r.take(4).map_err(at("chunk header"))?;
        if magic != MAGIC {
            return Err(bad(format!(
                "chunk starts with {magic:02x?}, not the magic bytes"
            )));
        }
        r.take(4).map_err(at("chunk checksum"))?;
        let chunk_type = r.byte().map_err(at("chunk type"))?;
        let body = r.length_prefixed().map_err(at("chunk length"))?;
        match chunk_type {
            0 => document(body, budget, seen)?,
            1 => change(body)?,
            2 => budget.inflate(body, "compressed change chunk")?,
            3 => bundle(body, budget, seen)?,
            other => return Err(bad(format!("unknown chunk type {other}"))),
        }
        if let Some(count) = seen.chunks_by_type.get_mut(usize::from(chunk_type)) {
            *count += 1;
        }
    }
    Ok(())
}

/// A block of column metadata: (specification, length) pairs, and where their data lies.
#[derive(Clone, Copy, Debug)]
struct Columns<'a> {
    /// The metadata bytes after the column count, re-read when inflating.
    meta: Reader<'a>,
    count: u64,
    /// Sum of the columns' lengths.
    data_len: u64,
    deflated: u64,
}

/// Reads the metadata of a block of columns (automerge's `RawColumns::parse`).
fn columns<'a>(r: &mut Reader<'a>, what: &'static str) -> Result<Columns<'a>, FrameRejected> {
    let count = r.uleb().map_err(at(what))?;
    let meta = *r;
    let mut data_len: u64 = 0;
    let mut deflated = 0u64;
    // Each column reads at least two bytes, so a huge count ends at the input's end.
    for _ in 0..count {
        let spec = r.uleb_u32().map_err(at(what))?;
        let len = r.uleb().map_err(at(what))?;
        data_len = data_len
            .checked_add(len)
            .ok_or_else(|| bad(format!("{what}: column lengths overflow")))?;
        if spec & DEFLATE_BIT != 0 {
            deflated += 1;
        }
    }
    Ok(Columns {
        meta,
        count,
        data_len,
        deflated,
    })
}

/// Inflates, within the budget, every compressed column of a block whose data is `data`.
fn inflate_columns(
    columns: Columns<'_>,
    data: &[u8],
    budget: &mut InflateBudget,
    seen: &mut Inspection,
    what: &'static str,
) -> Result<(), FrameRejected> {
    let mut meta = columns.meta;
    let mut data = Reader::new(data);
    for _ in 0..columns.count {
        let spec = meta.uleb_u32().map_err(at(what))?;
        let len = meta.uleb().map_err(at(what))?;
        let column = data.take(len).map_err(at(what))?;
        if spec & DEFLATE_BIT != 0 {
            budget.inflate(column, what)?;
            seen.deflated_columns += 1;
        }
    }
    Ok(())
}

/// A document chunk: actors, heads, change and op column metadata, their data, head indices.
fn document(
    body: &[u8],
    budget: &mut InflateBudget,
    seen: &mut Inspection,
) -> Result<(), FrameRejected> {
    let mut r = Reader::new(body);
    r.length_prefixed_list()
        .map_err(at("document chunk actors"))?;
    let heads = r.hashes().map_err(at("document chunk heads"))?;
    let change_cols = columns(&mut r, "document chunk change columns")?;
    let op_cols = columns(&mut r, "document chunk op columns")?;
    let change_data = r
        .take(change_cols.data_len)
        .map_err(at("document chunk change column data"))?;
    let op_data = r
        .take(op_cols.data_len)
        .map_err(at("document chunk op column data"))?;
    // Head indices, absent in documents written by old JS automerge.
    if !r.is_empty() {
        for _ in 0..heads {
            r.uleb().map_err(at("document chunk head indices"))?;
        }
    }
    if !r.is_empty() {
        return Err(bad(format!(
            "document chunk has {} bytes after its head indices",
            r.left()
        )));
    }
    inflate_columns(
        change_cols,
        change_data,
        budget,
        seen,
        "document change column",
    )?;
    inflate_columns(op_cols, op_data, budget, seen, "document op column")
}

/// A change chunk. automerge refuses compressed columns in it, so nothing is inflated.
fn change(body: &[u8]) -> Result<(), FrameRejected> {
    let mut r = Reader::new(body);
    r.hashes().map_err(at("change chunk dependencies"))?;
    r.length_prefixed().map_err(at("change chunk actor"))?;
    r.uleb().map_err(at("change chunk seq"))?;
    r.uleb().map_err(at("change chunk start op"))?;
    r.skip_sleb().map_err(at("change chunk timestamp"))?;
    r.length_prefixed().map_err(at("change chunk message"))?;
    r.length_prefixed_list()
        .map_err(at("change chunk other actors"))?;
    let op_cols = columns(&mut r, "change chunk op columns")?;
    if op_cols.deflated > 0 {
        return Err(bad(
            "change chunk has compressed columns, which automerge refuses".into(),
        ));
    }
    r.take(op_cols.data_len)
        .map_err(at("change chunk op column data"))?;
    // What follows is the change's "extra bytes", kept verbatim by automerge.
    Ok(())
}

/// A bundle chunk: dependencies, actors, change columns and data, op columns and data.
fn bundle(
    body: &[u8],
    budget: &mut InflateBudget,
    seen: &mut Inspection,
) -> Result<(), FrameRejected> {
    let mut r = Reader::new(body);
    r.hashes().map_err(at("bundle chunk dependencies"))?;
    r.length_prefixed_list()
        .map_err(at("bundle chunk actors"))?;
    let change_cols = columns(&mut r, "bundle chunk change columns")?;
    let change_data = r
        .take(change_cols.data_len)
        .map_err(at("bundle chunk change column data"))?;
    let op_cols = columns(&mut r, "bundle chunk op columns")?;
    let op_data = r
        .take(op_cols.data_len)
        .map_err(at("bundle chunk op column data"))?;
    // automerge ignores bytes after the op data of a bundle; they are not inflated either.
    inflate_columns(
        change_cols,
        change_data,
        budget,
        seen,
        "bundle change column",
    )?;
    inflate_columns(op_cols, op_data, budget, seen, "bundle op column")
}
