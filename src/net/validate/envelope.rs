//! samod's CBOR envelope (automerge-repo's wire protocol): a definite-length map of text keys.
//!
//! samod-core decodes it into a `HashMap` (so a repeated key silently wins), copies strings
//! into `String`s and skips unknown values with a skipper that keeps a stack for nested
//! indefinite-length items. This walk reads every value once, allocates nothing, refuses
//! repeated "type"/"data" keys, bounds nesting and the number of items, and borrows the two
//! fields the rest of the check needs.

use minicbor::Decoder;
use minicbor::data::Type;

use super::{FrameLimits, FrameRejected};

/// Deepest nesting of arrays and maps accepted inside the envelope's values. samod's own
/// messages nest three levels at most (`newHeads` → storage id → `heads`).
const MAX_DEPTH: usize = 32;

/// The fields of the envelope the check needs, borrowed from the frame.
#[derive(Debug)]
pub(super) struct Envelope<'a> {
    /// The "type" field: "sync", "request", "join", …
    pub(super) kind: &'a str,
    /// The "data" field, if present.
    pub(super) data: Option<&'a [u8]>,
    /// The "documentId" field, if present as text: which document a message is for, so that a
    /// document that fails can be traced back to the peer that last wrote to it.
    pub(super) document: Option<&'a str>,
}

fn not_cbor(e: minicbor::decode::Error) -> FrameRejected {
    FrameRejected::NotCbor(e.to_string())
}

fn bad(reason: impl Into<String>) -> FrameRejected {
    FrameRejected::BadEnvelope(reason.into())
}

/// Counts the CBOR items of one frame against the limit.
struct Items {
    seen: u64,
    max: u64,
}

impl Items {
    fn count(&mut self) -> Result<(), FrameRejected> {
        self.seen = self.seen.saturating_add(1);
        if self.seen > self.max {
            Err(bad(format!("more than {} CBOR items", self.max)))
        } else {
            Ok(())
        }
    }
}

/// Reads the envelope, walking every value in it.
pub(super) fn parse<'a>(
    frame: &'a [u8],
    limits: &FrameLimits,
) -> Result<Envelope<'a>, FrameRejected> {
    let mut d = Decoder::new(frame);
    let mut items = Items {
        seen: 0,
        max: limits.max_envelope_items,
    };
    match d.datatype().map_err(not_cbor)? {
        Type::Map => {}
        Type::MapIndef => return Err(bad("an indefinite-length map, which samod refuses")),
        other => return Err(bad(format!("a CBOR {other}, not a map"))),
    }
    items.count()?;
    let len = d
        .map()
        .map_err(not_cbor)?
        .ok_or_else(|| bad("an indefinite-length map, which samod refuses"))?;

    let mut kind = None;
    let mut data = None;
    let mut document = None;
    // Each entry reads at least two bytes, so a huge claimed length ends at the frame's end.
    for _ in 0..len {
        items.count()?;
        if d.datatype().map_err(not_cbor)? != Type::String {
            return Err(bad("a map key that is not a definite-length text string"));
        }
        let key = d.str().map_err(not_cbor)?;
        match key {
            "type" => {
                items.count()?;
                if d.datatype().map_err(not_cbor)? != Type::String {
                    return Err(bad("\"type\" is not a definite-length text string"));
                }
                if kind.replace(d.str().map_err(not_cbor)?).is_some() {
                    return Err(bad("\"type\" appears twice"));
                }
            }
            "data" => {
                // samod reads "data" as a definite-length byte string whatever the type.
                items.count()?;
                if d.datatype().map_err(not_cbor)? != Type::Bytes {
                    return Err(bad("\"data\" is not a definite-length byte string"));
                }
                if data.replace(d.bytes().map_err(not_cbor)?).is_some() {
                    return Err(bad("\"data\" appears twice"));
                }
            }
            "documentId" if d.datatype().map_err(not_cbor)? == Type::String => {
                items.count()?;
                document = Some(d.str().map_err(not_cbor)?);
            }
            _ => skip_value(&mut d, &mut items)?,
        }
    }
    let kind = kind.ok_or_else(|| bad("no \"type\" field"))?;
    Ok(Envelope {
        kind,
        data,
        document,
    })
}

/// Skips one CBOR value without allocating: open containers are tracked in a fixed array.
fn skip_value(d: &mut Decoder<'_>, items: &mut Items) -> Result<(), FrameRejected> {
    // For each open container, the items still expected (None: until a break).
    let mut open: [Option<u64>; MAX_DEPTH] = [None; MAX_DEPTH];
    let mut depth = 0usize;
    loop {
        items.count()?;
        let ty = d.datatype().map_err(not_cbor)?;
        match ty {
            // A tag prefixes the next item, which is still to come.
            Type::Tag => {
                d.tag().map_err(not_cbor)?;
                continue;
            }
            Type::Array | Type::ArrayIndef | Type::Map | Type::MapIndef => {
                let expected = if matches!(ty, Type::Array | Type::ArrayIndef) {
                    d.array().map_err(not_cbor)?
                } else {
                    d.map()
                        .map_err(not_cbor)?
                        .map(|pairs| pairs.saturating_mul(2))
                };
                if expected != Some(0) {
                    let slot = open
                        .get_mut(depth)
                        .ok_or_else(|| bad(format!("values nested deeper than {MAX_DEPTH}")))?;
                    *slot = expected;
                    depth += 1;
                    continue;
                }
            }
            Type::Break => {
                let closes_indefinite = depth > 0 && matches!(open.get(depth - 1), Some(None));
                if !closes_indefinite {
                    return Err(FrameRejected::NotCbor(format!(
                        "unexpected break at byte {}",
                        d.position()
                    )));
                }
                d.set_position(d.position().saturating_add(1));
                depth -= 1;
            }
            Type::Unknown(byte) => {
                return Err(FrameRejected::NotCbor(format!(
                    "unknown CBOR initial byte {byte:#04x} at byte {}",
                    d.position()
                )));
            }
            // Scalars and (possibly chunked) strings: minicbor skips them without allocating.
            _ => d.skip().map_err(not_cbor)?,
        }
        // One item is complete: account for it in the containers that hold it.
        loop {
            if depth == 0 {
                return Ok(());
            }
            match open.get_mut(depth - 1) {
                Some(Some(left)) => {
                    *left = left.saturating_sub(1);
                    if *left == 0 {
                        depth -= 1;
                        continue;
                    }
                    break;
                }
                // Inside an indefinite container: done when its break arrives.
                _ => break,
            }
        }
    }
}
