//! automerge storage chunks inside a sync message: their layout, a bounded inflation of
//! everything DEFLATE-compressed in them (docs/hostile-inputs.md H2), and a bound on the rows
//! their run-length-encoded columns declare (see [`super::columns`]).
//!
//! automerge inflates a compressed change (chunk type 2) and every compressed column of a
//! document (type 0) or bundle (type 3) fully, before any size or checksum check. Here the
//! same bytes are inflated with the same decoder through a small buffer that is counted and
//! reused, so the work stops one byte past the budget and the memory used stays constant.
//! Layouts follow automerge 0.12's `storage/chunk.rs`, `storage/document.rs`,
//! `storage/change.rs`, `storage/bundle/storage.rs` and `storage/columns/raw_column.rs`.

use super::columns::{self, RowBudget, Rows};
use super::reader::{ReadError, Reader};
use super::source::{InflateBudget, Inflater, Limited, SliceSource, Source};
use super::{FrameRejected, Inspection};

/// The first four bytes of every chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// The bit of a column specification that marks its data as DEFLATE-compressed.
const DEFLATE_BIT: u32 = 0x08;
/// Most columns accepted in an inflated change chunk (automerge writes about a dozen).
const MAX_STREAMED_COLUMNS: usize = 256;
/// Size of a change hash.
const HASH_BYTES: u64 = 32;

/// The budgets one frame's chunks share, and what they held.
pub(super) struct Budgets<'a> {
    pub(super) inflate: &'a mut InflateBudget,
    pub(super) rows: &'a mut RowBudget,
    pub(super) seen: &'a mut Inspection,
}

fn bad(reason: String) -> FrameRejected {
    FrameRejected::BadChunk(reason)
}

/// Adds context to a read error.
fn at(what: &'static str) -> impl Fn(ReadError) -> FrameRejected {
    move |e| bad(format!("{what}: {e}"))
}

/// Checks a sequence of whole chunks (one entry of a sync message's change list).
pub(super) fn check_chunks(bytes: &[u8], b: &mut Budgets<'_>) -> Result<(), FrameRejected> {
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
            0 => document(body, b)?,
            1 => change(body, b)?,
            2 => compressed_change(body, b)?,
            3 => bundle(body, b)?,
            other => return Err(bad(format!("unknown chunk type {other}"))),
        }
        if let Some(count) = b.seen.chunks_by_type.get_mut(usize::from(chunk_type)) {
            *count += 1;
        }
        // Every chunk becomes at least one object in automerge.
        b.rows.spend(1)?;
    }
    Ok(())
}

/// The metadata of a block of columns: (specification, length) pairs.
#[derive(Clone, Copy, Debug)]
struct Columns<'a> {
    /// The metadata bytes after the column count, re-read when measuring the data.
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

/// Reads every column of a block, inflating compressed ones within the budget, and returns
/// the rows the block declares.
fn measure(
    columns: Columns<'_>,
    data: &[u8],
    b: &mut Budgets<'_>,
    what: &'static str,
) -> Result<u64, FrameRejected> {
    let mut meta = columns.meta;
    let mut data = Reader::new(data);
    let mut block = Rows::default();
    for _ in 0..columns.count {
        let spec = meta.uleb_u32().map_err(at(what))?;
        let len = meta.uleb().map_err(at(what))?;
        let column = data.take(len).map_err(at(what))?;
        let rows = if spec & DEFLATE_BIT != 0 {
            b.seen.deflated_columns += 1;
            columns::count_rows(spec, &mut Inflater::new(column, b.inflate, what))
        } else {
            columns::count_rows(spec, &mut SliceSource(column))
        }
        .map_err(|e| in_context(e, format_args!("{what} {spec:#x}")))?;
        block = block.max(rows);
    }
    Ok(block.cost())
}

/// Says where a malformed-data error came from.
fn in_context(e: FrameRejected, context: std::fmt::Arguments<'_>) -> FrameRejected {
    match e {
        FrameRejected::BadChunk(reason) => bad(format!("{context}: {reason}")),
        other => other,
    }
}

/// A document chunk: actors, heads, change and op column metadata, their data, head indices.
fn document(body: &[u8], b: &mut Budgets<'_>) -> Result<(), FrameRejected> {
    let mut r = Reader::new(body);
    let actors = r
        .length_prefixed_list()
        .map_err(at("document chunk actors"))?;
    // Actor ids can be empty: many of them cost automerge more than the bytes sent.
    b.rows.spend(actors)?;
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
    let changes = measure(change_cols, change_data, b, "document change column")?;
    b.rows.spend(changes)?;
    let ops = measure(op_cols, op_data, b, "document op column")?;
    b.rows.spend(ops)
}

/// The most bytes a change may carry after its operations ("extra bytes", which automerge keeps
/// verbatim and every member then stores and syncs: today only a change's author, a few dozen
/// bytes). Without a bound, one compressed change of zeros inflates to the whole inflation budget
/// and is kept forever.
pub(super) const MAX_EXTRA_BYTES: usize = 64 * 1024;

/// A change chunk. automerge refuses compressed columns in it.
fn change(body: &[u8], b: &mut Budgets<'_>) -> Result<(), FrameRejected> {
    let mut r = Reader::new(body);
    r.hashes().map_err(at("change chunk dependencies"))?;
    r.length_prefixed().map_err(at("change chunk actor"))?;
    r.uleb().map_err(at("change chunk seq"))?;
    r.uleb().map_err(at("change chunk start op"))?;
    r.skip_sleb().map_err(at("change chunk timestamp"))?;
    r.length_prefixed().map_err(at("change chunk message"))?;
    let actors = r
        .length_prefixed_list()
        .map_err(at("change chunk other actors"))?;
    b.rows.spend(actors)?;
    let op_cols = columns(&mut r, "change chunk op columns")?;
    if op_cols.deflated > 0 {
        return Err(bad(
            "change chunk has compressed columns, which automerge refuses".into(),
        ));
    }
    let op_data = r
        .take(op_cols.data_len)
        .map_err(at("change chunk op column data"))?;
    // What follows is the change's "extra bytes", kept verbatim by automerge.
    if r.remaining() > MAX_EXTRA_BYTES {
        return Err(bad(format!(
            "change chunk carries more than {MAX_EXTRA_BYTES} bytes after its operations"
        )));
    }
    let ops = measure(op_cols, op_data, b, "change op column")?;
    b.rows.spend(ops)
}

/// A compressed change: the same layout as [`change`], read as it is inflated.
fn compressed_change(body: &[u8], b: &mut Budgets<'_>) -> Result<(), FrameRejected> {
    let what = "compressed change chunk";
    let mut src = Inflater::new(body, b.inflate, what);
    let rows = streamed_change(&mut src).map_err(|e| in_context(e, format_args!("{what}")))?;
    // The change's extra bytes, if any, count against the inflation budget and their own bound.
    src.drain_at_most(MAX_EXTRA_BYTES)?;
    b.rows.spend(rows)
}

/// Reads an inflated change chunk's body; returns the rows its actors and op columns declare.
fn streamed_change(src: &mut Inflater<'_, '_>) -> Result<u64, FrameRejected> {
    let deps = columns::uleb(src)?;
    src.skip(deps.saturating_mul(HASH_BYTES))?;
    let actor_len = columns::uleb(src)?;
    src.skip(actor_len)?;
    columns::uleb(src)?; // seq
    columns::uleb(src)?; // start op
    columns::sleb(src)?; // timestamp
    let message_len = columns::uleb(src)?;
    src.skip(message_len)?;
    // Each actor reads at least one byte, within the inflation budget.
    let other_actors = columns::uleb(src)?;
    for _ in 0..other_actors {
        let len = columns::uleb(src)?;
        src.skip(len)?;
    }
    let count = columns::uleb(src)?;
    if count > MAX_STREAMED_COLUMNS as u64 {
        return Err(bad(format!("{count} columns in a change")));
    }
    let mut specs = [(0u32, 0u64); MAX_STREAMED_COLUMNS];
    for slot in specs.iter_mut().take(count as usize) {
        let spec = u32::try_from(columns::uleb(src)?)
            .map_err(|_| bad("a column specification larger than 32 bits".into()))?;
        if spec & DEFLATE_BIT != 0 {
            return Err(bad(
                "change chunk has compressed columns, which automerge refuses".into(),
            ));
        }
        *slot = (spec, columns::uleb(src)?);
    }
    let mut block = Rows::default();
    for &(spec, len) in specs.iter().take(count as usize) {
        let rows = columns::count_rows(
            spec,
            &mut Limited {
                inner: &mut *src,
                left: len,
            },
        )?;
        block = block.max(rows);
    }
    Ok(block.cost().saturating_add(other_actors))
}

/// A bundle chunk: dependencies, actors, change columns and data, op columns and data.
fn bundle(body: &[u8], b: &mut Budgets<'_>) -> Result<(), FrameRejected> {
    let mut r = Reader::new(body);
    r.hashes().map_err(at("bundle chunk dependencies"))?;
    let actors = r
        .length_prefixed_list()
        .map_err(at("bundle chunk actors"))?;
    b.rows.spend(actors)?;
    let change_cols = columns(&mut r, "bundle chunk change columns")?;
    let change_data = r
        .take(change_cols.data_len)
        .map_err(at("bundle chunk change column data"))?;
    let op_cols = columns(&mut r, "bundle chunk op columns")?;
    let op_data = r
        .take(op_cols.data_len)
        .map_err(at("bundle chunk op column data"))?;
    // automerge ignores bytes after the op data of a bundle; so does this.
    let changes = measure(change_cols, change_data, b, "bundle change column")?;
    b.rows.spend(changes)?;
    let ops = measure(op_cols, op_data, b, "bundle op column")?;
    b.rows.spend(ops)
}
