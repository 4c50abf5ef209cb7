//! An automerge sync message (the "data" of samod's "request" and "sync" frames), checked
//! byte by byte before automerge decodes it.
//!
//! Layout (automerge 0.12 `sync.rs`): a version byte (0x42 or 0x43); heads and needs (each a
//! LEB128 count of 32-byte hashes); haves (a count of: last-sync hashes, then a
//! length-prefixed Bloom filter); changes (a count of length-prefixed byte strings, each a
//! sequence of storage chunks that automerge concatenates and loads); optional
//! length-prefixed flags. `Message::decode` copies all of this without inflating anything
//! (it grows its vectors item by item, never by a claimed count), so calling it after the
//! checks below is bounded by the frame's size.

use automerge::sync::Message;

use super::chunk::{self, Budgets};
use super::columns::RowBudget;
use super::reader::{ReadError, Reader};
use super::source::InflateBudget;
use super::{FrameLimits, FrameRejected, Inspection};

const MESSAGE_V1: u8 = 0x42;
const MESSAGE_V2: u8 = 0x43;

fn bad(reason: String) -> FrameRejected {
    FrameRejected::BadSyncMessage(reason)
}

fn at(what: &'static str) -> impl Fn(ReadError) -> FrameRejected {
    move |e| bad(format!("{what}: {e}"))
}

/// Checks one sync message; `seen` records what it held.
pub(super) fn check(
    data: &[u8],
    limits: &FrameLimits,
    seen: &mut Inspection,
) -> Result<(), FrameRejected> {
    let mut r = Reader::new(data);
    let version = r.byte().map_err(at("version"))?;
    if version != MESSAGE_V1 && version != MESSAGE_V2 {
        return Err(bad(format!(
            "first byte {version:#04x} is not a sync message version (0x42 or 0x43)"
        )));
    }
    r.hashes().map_err(at("heads"))?;
    r.hashes().map_err(at("needs"))?;

    let have_count = r.uleb().map_err(at("have count"))?;
    if have_count > limits.max_haves {
        return Err(bad(format!(
            "{have_count} have entries, more than the {} accepted",
            limits.max_haves
        )));
    }
    // Bloom filters as sent, for the comparison with automerge's reading below.
    let mut blooms = [&[][..]; MAX_HAVES_COMPARED];
    for index in 0..have_count {
        r.hashes().map_err(at("have last-sync hashes"))?;
        let bloom = r.length_prefixed().map_err(at("have Bloom filter"))?;
        check_bloom(bloom, limits)?;
        if let Some(slot) = usize::try_from(index).ok().and_then(|i| blooms.get_mut(i)) {
            *slot = bloom;
        }
    }
    seen.haves = have_count;

    let mut inflate = InflateBudget::new(limits.max_inflated_bytes);
    let mut rows = RowBudget::new(limits.max_decoded_rows);
    let entry_count = r.uleb().map_err(at("change count"))?;
    // Each entry reads at least one byte, so a huge count ends at the message's end.
    for _ in 0..entry_count {
        let entry = r.length_prefixed().map_err(at("change entry"))?;
        // automerge never sends an empty entry; refusing them bounds decode's per-entry cost.
        if entry.is_empty() {
            return Err(bad("an empty change entry".into()));
        }
        // automerge concatenates the entries before loading them; a chunk split across two
        // entries (which automerge never sends) is refused here as truncated.
        let mut budgets = Budgets {
            inflate: &mut inflate,
            rows: &mut rows,
            seen,
        };
        chunk::check_chunks(entry, &mut budgets)?;
    }
    seen.change_entries = entry_count;
    seen.inflated_bytes = inflate.used();
    seen.decoded_rows = rows.used();

    if !r.is_empty() {
        r.length_prefixed().map_err(at("flags"))?;
    }
    // automerge ignores anything after the flags, for forward compatibility; so does this.

    let message =
        Message::decode(data).map_err(|e| bad(format!("automerge cannot decode it: {e}")))?;
    agrees(&message, have_count, &blooms, entry_count)?;
    seen.sync_message = true;
    Ok(())
}

/// How many haves' Bloom filters are compared with automerge's reading of them.
const MAX_HAVES_COMPARED: usize = 16;

/// Defence in depth: what automerge decoded must be what was checked.
fn agrees(
    message: &Message,
    have_count: u64,
    blooms: &[&[u8]],
    entry_count: u64,
) -> Result<(), FrameRejected> {
    let disagree = || bad("automerge reads the message differently from this check".into());
    if u64::try_from(message.have.len()).ok() != Some(have_count)
        || u64::try_from(message.changes.len()).ok() != Some(entry_count)
    {
        return Err(disagree());
    }
    for (have, sent) in message.have.iter().zip(blooms) {
        if have.bloom.to_bytes() != *sent {
            return Err(disagree());
        }
    }
    Ok(())
}

/// Checks a Bloom filter's parameters (docs/hostile-inputs.md H1).
///
/// automerge reads `num_entries`, `num_bits_per_entry` and `num_probes` as LEB128 `u32`s,
/// then `ceil(entries * bits_per_entry / 8)` bytes of bits, and ignores the rest. Probing
/// takes each hash modulo `8 * bits.len()` (as a `u32`) and loops `num_probes` times, so zero
/// bits divide by zero and a huge probe count costs seconds and gigabytes. An empty filter
/// (no bytes at all) is what automerge sends when it has nothing to summarise.
pub(super) fn check_bloom(bytes: &[u8], limits: &FrameLimits) -> Result<(), FrameRejected> {
    if bytes.is_empty() {
        return Ok(());
    }
    let mut r = Reader::new(bytes);
    let entries = r.uleb().map_err(at("Bloom filter entry count"))?;
    let bits_per_entry = r.uleb().map_err(at("Bloom filter bits per entry"))?;
    let probes = r.uleb().map_err(at("Bloom filter probe count"))?;
    let bits_bytes = r.left() as u64;
    let out_of_bounds = |reason: String| FrameRejected::BloomOutOfBounds {
        entries,
        bits_per_entry,
        probes,
        bits_bytes,
        reason,
    };
    if entries == 0 {
        return Err(out_of_bounds(
            "zero entries in a non-empty filter (automerge sends an empty one)".into(),
        ));
    }
    if entries > u64::from(u32::MAX) || entries > limits.max_bloom_entries {
        return Err(out_of_bounds(format!(
            "more than {} entries",
            limits.max_bloom_entries.min(u64::from(u32::MAX))
        )));
    }
    if bits_per_entry == 0 || bits_per_entry > u64::from(limits.max_bloom_bits_per_entry) {
        return Err(out_of_bounds(format!(
            "bits per entry must be 1 to {}",
            limits.max_bloom_bits_per_entry
        )));
    }
    if probes == 0 || probes > u64::from(limits.max_bloom_probes) {
        return Err(out_of_bounds(format!(
            "probes must be 1 to {}",
            limits.max_bloom_probes
        )));
    }
    // Both factors are bounded above, so this cannot overflow.
    let expected = entries.saturating_mul(bits_per_entry).div_ceil(8);
    if bits_bytes != expected {
        return Err(out_of_bounds(format!(
            "the bit array should be {expected} bytes"
        )));
    }
    // automerge computes `8 * bits.len() as u32`: keep that product inside a u32.
    if bits_bytes > u64::from(u32::MAX / 8) {
        return Err(out_of_bounds("the bit array is too large to probe".into()));
    }
    Ok(())
}
