//! Frames built by real automerge syncs must pass; the hostile inputs of docs/hostile-inputs.md and
//! arbitrary garbage must be refused, cheaply and without panicking.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::sync::{ChunkList, Message, MessageVersion, State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
use minicbor::Encoder;
use proptest::prelude::*;

use super::*;

// ---------------------------------------------------------------------------------------------
// Builders

/// A frame as samod encodes "sync" and "request" messages.
fn frame(kind: &str, data: &[u8]) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    e.map(5)
        .and_then(|e| e.str("type")?.str(kind))
        .and_then(|e| e.str("documentId")?.str("3Jw9dTTLbYaRs6vzzFbc2RBVGA7h"))
        .and_then(|e| e.str("senderId")?.str("peer-a"))
        .and_then(|e| e.str("targetId")?.str("peer-b"))
        .and_then(|e| e.str("data")?.bytes(data))
        .expect("encoding into a Vec");
    e.into_writer()
}

fn sync_frame(data: &[u8]) -> Vec<u8> {
    frame("sync", data)
}

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).expect("hex byte"))
        .collect()
}

fn leb(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// A storage chunk with an arbitrary checksum.
fn chunk(chunk_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0x85, 0x6f, 0x4a, 0x83, 0xde, 0xad, 0xbe, 0xef, chunk_type];
    out.extend(leb(body.len() as u64));
    out.extend(body);
    out
}

/// A v1 sync message with no heads, needs or haves, carrying `entries` as its changes.
fn v1_message(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![0x42, 0x00, 0x00, 0x00];
    out.extend(leb(entries.len() as u64));
    for entry in entries {
        out.extend(leb(entry.len() as u64));
        out.extend(entry);
    }
    out
}

/// A v1 sync message whose only content is one have with these Bloom filter bytes.
fn message_with_bloom(bloom: &[u8]) -> Vec<u8> {
    let mut out = vec![0x42, 0x00, 0x00, 0x01, 0x00];
    out.extend(leb(bloom.len() as u64));
    out.extend(bloom);
    out.push(0x00);
    out
}

/// DEFLATE of `mib` MiB of zeros, streamed so the zeros are never all in memory.
fn deflated_zeros(mib: usize) -> Vec<u8> {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..mib {
        encoder.write_all(&zeros).expect("deflating into a Vec");
    }
    encoder.finish().expect("deflating into a Vec")
}

/// A document chunk with no actors or heads and one column, in the change or op block.
fn document_with_one_column(spec: u8, column: &[u8], in_ops: bool) -> Vec<u8> {
    let mut meta = vec![0x01, spec];
    meta.extend(leb(column.len() as u64));
    let mut body = vec![0x00, 0x00];
    if in_ops {
        body.push(0x00);
        body.extend(&meta);
    } else {
        body.extend(&meta);
        body.push(0x00);
    }
    body.extend(column);
    chunk(0, &body)
}

/// Column specification: id 1, type 0, DEFLATE bit set.
const DEFLATED_SPEC: u8 = 0x18;

fn small_limits() -> FrameLimits {
    FrameLimits {
        max_inflated_bytes: 8 * 1024 * 1024,
        ..FrameLimits::default()
    }
}

fn text_doc(lines: usize) -> AutoCommit {
    let mut doc = AutoCommit::new();
    let text = doc
        .put_object(ROOT, "notes", ObjType::Text)
        .expect("put text");
    for i in 0..lines {
        let end = doc.length(&text);
        doc.splice_text(&text, end, 0, &format!("line {i}: Grüße 🌱 こんにちは\n"))
            .expect("splice");
        doc.put(ROOT, format!("key{}", i % 17), i as i64)
            .expect("put");
        doc.commit();
    }
    doc
}

fn notes(doc: &AutoCommit) -> String {
    let (_, text) = doc.get(ROOT, "notes").expect("get").expect("notes");
    doc.text(&text).expect("text")
}

/// Runs automerge's sync protocol between two documents, every message through a frame that
/// must pass `check_frame`; returns what each frame held.
fn sync_through_frames(a: &mut AutoCommit, b: &mut AutoCommit) -> Vec<Inspection> {
    let limits = FrameLimits::default();
    let (mut state_a, mut state_b) = (State::new(), State::new());
    let mut seen = Vec::new();
    for _ in 0..100 {
        let mut quiet = true;
        for a_to_b in [true, false] {
            let (from, to, from_state, to_state) = if a_to_b {
                (&mut *a, &mut *b, &mut state_a, &mut state_b)
            } else {
                (&mut *b, &mut *a, &mut state_b, &mut state_a)
            };
            let Some(message) = from.sync().generate_sync_message(from_state) else {
                continue;
            };
            quiet = false;
            let frame = sync_frame(&message.encode());
            let inspection = inspect_frame(&frame, &limits)
                .unwrap_or_else(|e| panic!("automerge's own frame refused: {e}"));
            assert!(inspection.sync_message);
            seen.push(inspection);
            let data = envelope::parse(&frame, &limits)
                .expect("envelope")
                .data
                .expect("data");
            let message = Message::decode(data).expect("decode");
            to.sync()
                .receive_sync_message(to_state, message)
                .expect("receive");
        }
        if quiet {
            return seen;
        }
    }
    panic!("sync did not go quiet");
}

fn total(seen: &[Inspection], f: impl Fn(&Inspection) -> u64) -> u64 {
    seen.iter().map(f).sum()
}

/// Peak resident memory of this process, where Linux reports it.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

// ---------------------------------------------------------------------------------------------
// Real frames pass

#[test]
fn first_sync_of_a_large_document_sends_a_deflated_document_chunk_that_passes() {
    let mut a = text_doc(400);
    let mut b = AutoCommit::new();
    let seen = sync_through_frames(&mut a, &mut b);
    assert!(total(&seen, |s| s.chunks_by_type[0]) >= 1, "{seen:?}");
    assert!(total(&seen, |s| s.deflated_columns) >= 1, "{seen:?}");
    assert!(total(&seen, |s| s.inflated_bytes as u64) > 0);
    assert_eq!(a.get_heads(), b.get_heads());
    assert_eq!(notes(&a), notes(&b));
}

#[test]
fn incremental_changes_pass_and_both_sides_converge() {
    let mut a = text_doc(30);
    let mut b = AutoCommit::new();
    sync_through_frames(&mut a, &mut b);

    // Concurrent edits on both sides, then a normal incremental exchange.
    for (doc, who) in [(&mut a, "a"), (&mut b, "b")] {
        let (_, text) = doc.get(ROOT, "notes").expect("get").expect("notes");
        for i in 0..5 {
            doc.splice_text(&text, 0, 0, &format!("{who}{i} "))
                .expect("splice");
            doc.commit();
        }
    }
    let seen = sync_through_frames(&mut a, &mut b);
    assert!(total(&seen, |s| s.chunks_by_type[1]) >= 2, "{seen:?}");
    assert_eq!(a.get_heads(), b.get_heads());
    assert_eq!(notes(&a), notes(&b));
    assert!(notes(&a).contains("a4 ") && notes(&a).contains("b4 "));
}

#[test]
fn the_empty_have_automerge_sends_first_passes() {
    let mut doc = AutoCommit::new();
    let message = doc
        .sync()
        .generate_sync_message(&mut State::new())
        .expect("first message");
    assert_eq!(message.have.len(), 1);
    assert!(message.have[0].bloom.to_bytes().is_empty());
    let seen = inspect_frame(&sync_frame(&message.encode()), &FrameLimits::default());
    assert_eq!(seen.map(|s| s.haves), Ok(1));
}

#[test]
fn a_compressed_change_chunk_passes_and_automerge_loads_it() {
    let mut doc = text_doc(60);
    let mut change = doc.get_last_local_change().expect("a change");
    // One large change, so automerge compresses it.
    let (_, text) = doc.get(ROOT, "notes").expect("get").expect("notes");
    doc.splice_text(&text, 0, 0, &"Grüße 🌱 ".repeat(200))
        .expect("splice");
    doc.commit();
    change = doc.get_last_local_change().unwrap_or(change);
    let compressed = change.bytes().into_owned();
    assert_eq!(
        compressed.get(8),
        Some(&2),
        "automerge compressed the change"
    );

    let data = Message {
        heads: vec![],
        need: vec![],
        have: vec![],
        changes: ChunkList::from(vec![compressed]),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode();
    let seen = inspect_frame(&sync_frame(&data), &FrameLimits::default()).expect("accepted");
    assert_eq!(seen.chunks_by_type, [0, 0, 1, 0]);
    assert!(seen.inflated_bytes > 0);
    assert!(seen.decoded_rows >= 200, "{seen:?}");
}

#[test]
fn a_saved_document_and_a_bundle_pass() {
    let mut doc = text_doc(200);
    let saved = doc.save();
    let hashes = doc
        .get_changes(&[])
        .iter()
        .map(|c| c.hash())
        .collect::<Vec<_>>();
    let bundle = doc.bundle(hashes).expect("bundle").bytes().to_vec();

    let seen = inspect_frame(&sync_frame(&v1_message(&[saved])), &FrameLimits::default())
        .expect("saved document accepted");
    assert_eq!(seen.chunks_by_type, [1, 0, 0, 0]);
    assert!(seen.deflated_columns >= 1);

    let seen = inspect_frame(&sync_frame(&v1_message(&[bundle])), &FrameLimits::default())
        .expect("bundle accepted");
    assert_eq!(seen.chunks_by_type, [0, 0, 0, 1]);
}

#[test]
fn request_frames_are_checked_like_sync_frames() {
    let mut doc = text_doc(3);
    let message = doc
        .sync()
        .generate_sync_message(&mut State::new())
        .expect("message");
    assert_eq!(
        check_frame(
            &frame("request", &message.encode()),
            &FrameLimits::default()
        ),
        Ok(())
    );
    let h1 = hex("42 00 00 01 00 03 01 00 07 00");
    assert!(matches!(
        check_frame(&frame("request", &h1), &FrameLimits::default()),
        Err(FrameRejected::BloomOutOfBounds { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// H1: Bloom filters

#[test]
fn h1_zero_bits_per_entry_bloom_filter_is_rejected() {
    let data = hex("42 00 00 01 00 03 01 00 07 00");
    let rejected = check_frame(&sync_frame(&data), &FrameLimits::default());
    assert!(
        matches!(
            rejected,
            Err(FrameRejected::BloomOutOfBounds {
                entries: 1,
                bits_per_entry: 0,
                probes: 7,
                ..
            })
        ),
        "{rejected:?}"
    );
}

#[test]
fn h1_tens_of_millions_of_probes_are_rejected() {
    let mut bloom = vec![0x01, 0x0a];
    bloom.extend(leb(50_000_000));
    bloom.extend([0xff, 0xff]);
    let rejected = check_frame(
        &sync_frame(&message_with_bloom(&bloom)),
        &FrameLimits::default(),
    );
    assert!(
        matches!(
            rejected,
            Err(FrameRejected::BloomOutOfBounds {
                probes: 50_000_000,
                ..
            })
        ),
        "{rejected:?}"
    );
}

#[test]
fn bloom_filters_out_of_bounds_are_rejected() {
    let limits = FrameLimits::default();
    let rejected = |bloom: &[u8]| {
        matches!(
            check_frame(&sync_frame(&message_with_bloom(bloom)), &limits),
            Err(FrameRejected::BloomOutOfBounds { .. })
        )
    };
    // What automerge builds for two hashes: 10 bits each, 7 probes, 3 bytes of bits.
    assert_eq!(
        check_frame(
            &sync_frame(&message_with_bloom(&hex("02 0a 07 00 00 00"))),
            &limits
        ),
        Ok(())
    );
    assert!(rejected(&hex("02 0a 00 00 00 00")), "zero probes");
    assert!(rejected(&hex("02 0a 21 00 00 00")), "33 probes");
    assert!(rejected(&hex("02 41 07 00 00 00")), "65 bits per entry");
    assert!(rejected(&hex("00 0a 07")), "no entries yet not empty");
    assert!(rejected(&hex("02 0a 07 00 00")), "bit array too short");
    assert!(
        rejected(&hex("02 0a 07 00 00 00 00")),
        "bytes after the bit array"
    );
    let mut too_many = leb(u64::from(u32::MAX) + 1);
    too_many.extend([0x01, 0x01]);
    assert!(rejected(&too_many), "more entries than a u32");
    let few = FrameLimits {
        max_bloom_entries: 1,
        ..limits
    };
    assert!(matches!(
        check_frame(
            &sync_frame(&message_with_bloom(&hex("02 0a 07 00 00 00"))),
            &few
        ),
        Err(FrameRejected::BloomOutOfBounds { .. })
    ));
}

#[test]
fn too_many_haves_are_rejected() {
    let mut data = vec![0x42, 0x00, 0x00];
    data.extend(leb(17));
    for _ in 0..17 {
        data.extend([0x00, 0x00]);
    }
    data.push(0x00);
    assert!(matches!(
        check_frame(&sync_frame(&data), &FrameLimits::default()),
        Err(FrameRejected::BadSyncMessage(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// H2: compressed data

#[test]
fn message_decode_copies_compressed_chunks_without_inflating_them() {
    // What docs/hostile-inputs.md H2 reports is inflation at load time; decoding only copies bytes.
    let bomb = chunk(2, &deflated_zeros(64));
    let data = v1_message(std::slice::from_ref(&bomb));
    let message = Message::decode(&data).expect("decodes");
    assert_eq!(message.changes.iter().next(), Some(bomb.as_slice()));
}

#[test]
fn h2_compressed_chunk_inflating_512_mib_is_rejected_without_inflating_it() {
    let deflated = deflated_zeros(512);
    // The bomb is real: counted (not stored), it inflates to 512 MiB.
    let mut unlimited = source::InflateBudget::new(usize::MAX);
    assert_eq!(unlimited.inflate(&deflated, "bomb"), Ok(()));
    assert_eq!(unlimited.used(), 512 << 20);
    let bomb = chunk(2, &deflated);
    let data = v1_message(&[bomb]);
    assert!(data.len() < 1024 * 1024);
    let frame = sync_frame(&data);
    let limits = small_limits();

    let before = peak_rss_bytes();
    let rejected = check_frame(&frame, &limits);
    let after = peak_rss_bytes();

    // Zeros read as a change with no operations: all of it would be the change's extra
    // bytes, refused once past their bound, long before the inflation budget.
    assert!(matches!(
        rejected,
        Err(FrameRejected::BadChunk(reason)) if reason.contains("after its operations")
    ));
    if let (Some(before), Some(after)) = (before, after) {
        // automerge itself reached 1.5 GiB on this input; the check inflates into 16 KiB.
        assert!(after - before < 128 * 1024 * 1024, "{before} → {after}");
    }
}

#[test]
fn inflation_stops_one_byte_past_the_budget() {
    let compressed = deflated_zeros(4);
    let mut budget = source::InflateBudget::new(1000);
    assert_eq!(
        budget.inflate(&compressed, "test data"),
        Err(FrameRejected::InflatesTooMuch { limit: 1000 })
    );
    assert_eq!(budget.used(), 1001);

    let mut budget = source::InflateBudget::new(4 << 20);
    assert_eq!(budget.inflate(&compressed, "test data"), Ok(()));
    assert_eq!(budget.used(), 4 << 20);
}

#[test]
fn the_inflation_budget_is_shared_by_the_whole_frame() {
    let five = document_with_one_column(DEFLATED_SPEC, &deflated_zeros(5), false);
    let limits = small_limits();
    assert_eq!(
        check_frame(
            &sync_frame(&v1_message(std::slice::from_ref(&five))),
            &limits
        ),
        Ok(())
    );
    assert_eq!(
        check_frame(&sync_frame(&v1_message(&[five.clone(), five])), &limits),
        Err(FrameRejected::InflatesTooMuch {
            limit: 8 * 1024 * 1024
        })
    );
}

#[test]
fn document_chunk_with_a_deflated_column_inflating_too_much_is_rejected() {
    let bomb = deflated_zeros(64);
    let limits = small_limits();
    for in_ops in [false, true] {
        let document = document_with_one_column(DEFLATED_SPEC, &bomb, in_ops);
        assert_eq!(
            check_frame(&sync_frame(&v1_message(&[document])), &limits),
            Err(FrameRejected::InflatesTooMuch {
                limit: 8 * 1024 * 1024
            }),
            "bomb in the {} columns",
            if in_ops { "op" } else { "change" }
        );
    }
    // The same structure within the budget is measured and passed on (automerge decides).
    let small = deflated_zeros(1);
    let document = document_with_one_column(DEFLATED_SPEC, &small, false);
    let seen = inspect_frame(&sync_frame(&v1_message(&[document])), &limits).expect("ok");
    assert_eq!((seen.deflated_columns, seen.inflated_bytes), (1, 1 << 20));
}

#[test]
fn bundle_chunk_with_a_deflated_column_inflating_too_much_is_rejected() {
    let bomb = deflated_zeros(64);
    // No deps, no actors, one deflated change column, no op columns.
    let mut body = vec![0x00, 0x00, 0x01, DEFLATED_SPEC];
    body.extend(leb(bomb.len() as u64));
    body.extend(&bomb);
    body.push(0x00);
    let data = v1_message(&[chunk(3, &body)]);
    assert_eq!(
        check_frame(&sync_frame(&data), &small_limits()),
        Err(FrameRejected::InflatesTooMuch {
            limit: 8 * 1024 * 1024
        })
    );
}

#[test]
fn inconsistent_chunks_are_rejected() {
    let limits = FrameLimits::default();
    let bad_chunk = |entry: Vec<u8>| {
        matches!(
            check_frame(&sync_frame(&v1_message(&[entry])), &limits),
            Err(FrameRejected::BadChunk(_))
        )
    };
    let mut wrong_magic = chunk(1, &[0x00]);
    wrong_magic[0] = 0x86;
    assert!(bad_chunk(wrong_magic), "wrong magic");
    assert!(bad_chunk(chunk(4, &[])), "unknown chunk type");
    let mut truncated = chunk(2, &[0x01, 0x02, 0x03]);
    truncated.pop();
    assert!(bad_chunk(truncated), "body shorter than its length");
    // Column lengths claiming more data than the chunk holds.
    let mut body = vec![0x00, 0x00, 0x01, DEFLATED_SPEC];
    body.extend(leb(1 << 40));
    body.push(0x00);
    assert!(bad_chunk(chunk(0, &body)), "column longer than the chunk");
    // Bytes after a document's head indices.
    let mut document = document_with_one_column(0x10, &[0x00], false);
    document.push(0x00);
    let len_at = 9;
    document[len_at] += 1;
    assert!(bad_chunk(document), "trailing bytes in a document");
    // A change chunk with a compressed column, which automerge refuses anyway.
    // deps, actor, seq, start op, timestamp, message, other actors, one op column, its data.
    let mut body = hex("00 01 aa 01 01 00 00 00 01 10 02 01 00");
    assert_eq!(
        check_frame(&sync_frame(&v1_message(&[chunk(1, &body)])), &limits),
        Ok(()),
        "the same change chunk uncompressed"
    );
    body[9] = DEFLATED_SPEC;
    assert!(bad_chunk(chunk(1, &body)), "compressed change column");
    // An empty change entry.
    assert!(matches!(
        check_frame(&sync_frame(&v1_message(&[vec![]])), &limits),
        Err(FrameRejected::BadSyncMessage(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// The envelope

fn encoded(
    build: impl FnOnce(
        &mut Encoder<Vec<u8>>,
    ) -> Result<(), minicbor::encode::Error<std::convert::Infallible>>,
) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    build(&mut e).expect("encoding into a Vec");
    e.into_writer()
}

#[test]
fn frames_that_are_not_cbor_maps_are_rejected() {
    let limits = FrameLimits::default();
    for frame in [
        encoded(|e| e.array(1)?.str("sync").map(drop)),
        encoded(|e| e.u32(7).map(drop)),
        encoded(|e| e.str("sync").map(drop)),
        encoded(|e| e.bytes(&[1, 2]).map(drop)),
        vec![],
        vec![0xff],
        vec![0x1c],
    ] {
        let rejected = check_frame(&frame, &limits);
        assert!(
            matches!(
                rejected,
                Err(FrameRejected::BadEnvelope(_) | FrameRejected::NotCbor(_))
            ),
            "{frame:02x?}: {rejected:?}"
        );
    }
}

#[test]
fn malformed_envelopes_are_rejected() {
    let limits = FrameLimits::default();
    let envelope_error = |frame: Vec<u8>| {
        matches!(
            check_frame(&frame, &limits),
            Err(FrameRejected::BadEnvelope(_))
        )
    };
    assert!(envelope_error(encoded(|e| e
        .map(1)?
        .str("senderId")?
        .str("a")
        .map(drop))));
    assert!(envelope_error(encoded(|e| e
        .map(1)?
        .str("type")?
        .u8(1)
        .map(drop))));
    assert!(envelope_error(encoded(|e| e
        .map(1)?
        .u8(1)?
        .str("sync")
        .map(drop))));
    assert!(envelope_error(encoded(|e| {
        e.map(2)?
            .str("type")?
            .str("leave")?
            .str("type")?
            .str("sync")
            .map(drop)
    })));
    assert!(envelope_error(encoded(|e| {
        let d = [0x42, 0, 0, 0, 0];
        e.map(3)?
            .str("type")?
            .str("sync")?
            .str("data")?
            .bytes(&d)?
            .str("data")?
            .bytes(&d)
            .map(drop)
    })));
    assert!(envelope_error(encoded(|e| {
        e.map(2)?
            .str("type")?
            .str("sync")?
            .str("data")?
            .str("42")
            .map(drop)
    })));
    assert!(envelope_error(encoded(|e| e
        .map(1)?
        .str("type")?
        .str("sync")
        .map(drop))));
    assert!(envelope_error(encoded(|e| {
        e.begin_map()?.str("type")?.str("leave")?.end().map(drop)
    })));
}

#[test]
fn other_message_types_pass_including_unknown_ones() {
    let limits = FrameLimits::default();
    let join = encoded(|e| {
        e.map(4)?
            .str("type")?
            .str("join")?
            .str("senderId")?
            .str("peer-a")?;
        e.str("supportedProtocolVersions")?.array(1)?.str("1")?;
        e.str("peerMetadata")?.map(2)?.str("storageId")?.str("s")?;
        e.str("isEphemeral")?.bool(false).map(drop)
    });
    assert_eq!(check_frame(&join, &limits), Ok(()));
    // Ephemeral data is the application's, not automerge's: not parsed as a sync message.
    let ephemeral = frame("ephemeral", &hex("42 00 00 01 00 03 01 00 07 00"));
    assert_eq!(check_frame(&ephemeral, &limits), Ok(()));
    let future = encoded(|e| {
        e.map(3)?.str("type")?.str("something-new")?;
        e.str("nested")?
            .begin_array()?
            .u8(1)?
            .begin_map()?
            .str("k")?
            .tag(minicbor::data::Tag::new(24))?;
        e.bytes(&[0])?.end()?.array(2)?.null()?.f64(1.5)?.end()?;
        e.str("more")?
            .begin_str()?
            .str("a")?
            .str("b")?
            .end()
            .map(drop)
    });
    assert_eq!(check_frame(&future, &limits), Ok(()));
}

#[test]
fn deep_nesting_and_too_many_items_are_rejected() {
    let nested = |depth: usize| {
        let mut frame = encoded(|e| e.map(2)?.str("type")?.str("leave")?.str("x").map(drop));
        frame.extend(std::iter::repeat_n(0x81, depth));
        frame.push(0x00);
        frame
    };
    let limits = FrameLimits::default();
    assert_eq!(check_frame(&nested(30), &limits), Ok(()));
    assert!(matches!(
        check_frame(&nested(40), &limits),
        Err(FrameRejected::BadEnvelope(_))
    ));
    // Deeply nested indefinite arrays: the stack samod's skipper would grow.
    let mut indefinite = encoded(|e| e.map(2)?.str("type")?.str("leave")?.str("x").map(drop));
    indefinite.extend(std::iter::repeat_n(0x9f, 100_000));
    assert!(check_frame(&indefinite, &limits).is_err());

    let many = encoded(|e| {
        e.map(2)?
            .str("type")?
            .str("leave")?
            .str("x")?
            .array(100_000)?;
        for _ in 0..100_000 {
            e.u8(0)?;
        }
        Ok(())
    });
    assert!(matches!(
        check_frame(&many, &limits),
        Err(FrameRejected::BadEnvelope(_))
    ));
    let roomy = FrameLimits {
        max_envelope_items: 200_000,
        ..limits
    };
    assert_eq!(check_frame(&many, &roomy), Ok(()));
}

#[test]
fn oversize_frames_are_rejected_before_parsing() {
    let limits = FrameLimits {
        max_frame_bytes: 16,
        ..FrameLimits::default()
    };
    assert_eq!(
        check_frame(&[0xff; 17], &limits),
        Err(FrameRejected::TooLarge { len: 17, max: 16 })
    );
    // At the limit, the frame is parsed (and refused for what it is).
    assert!(matches!(
        check_frame(&[0xff; 16], &limits),
        Err(FrameRejected::BadEnvelope(_))
    ));
}

#[test]
fn huge_claimed_lengths_are_rejected_without_allocating() {
    let limits = FrameLimits::default();
    // A map claiming 2^64-1 entries, a byte string claiming 2^63 bytes.
    let mut frame = vec![0xbb];
    frame.extend(u64::MAX.to_be_bytes());
    assert!(check_frame(&frame, &limits).is_err());
    let mut frame = encoded(|e| e.map(2)?.str("type")?.str("sync")?.str("data").map(drop));
    frame.push(0x5b);
    frame.extend((1u64 << 63).to_be_bytes());
    assert!(matches!(
        check_frame(&frame, &limits),
        Err(FrameRejected::NotCbor(_))
    ));
    // A sync message claiming 2^62 heads, entries or haves.
    for data in [
        [vec![0x42], leb(1 << 62)].concat(),
        [vec![0x42, 0, 0, 0], leb(1 << 62)].concat(),
        [vec![0x42, 0, 0], leb(1 << 62)].concat(),
    ] {
        assert!(check_frame(&sync_frame(&data), &limits).is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// Garbage never panics

/// Data of frames from a real sync, including a document chunk with deflated columns.
fn real_sync_data() -> Vec<Vec<u8>> {
    let mut a = text_doc(40);
    let mut b = AutoCommit::new();
    let (mut state_a, mut state_b) = (State::new(), State::new());
    let mut out = Vec::new();
    for _ in 0..10 {
        for a_to_b in [true, false] {
            let (from, to, from_state, to_state) = if a_to_b {
                (&mut a, &mut b, &mut state_a, &mut state_b)
            } else {
                (&mut b, &mut a, &mut state_b, &mut state_a)
            };
            if let Some(message) = from.sync().generate_sync_message(from_state) {
                let data = message.clone().encode();
                out.push(data);
                to.sync()
                    .receive_sync_message(to_state, message)
                    .expect("receive");
            }
        }
    }
    out
}

#[test]
fn every_truncation_of_real_frames_is_handled() {
    let limits = FrameLimits::default();
    let data = real_sync_data();
    assert!(
        data.iter().any(|d| {
            inspect_frame(&sync_frame(d), &limits).is_ok_and(|s| s.deflated_columns > 0)
        })
    );
    for data in &data {
        let frame = sync_frame(data);
        for len in 0..frame.len() {
            assert!(check_frame(&frame[..len], &limits).is_err());
        }
        for len in 0..data.len() {
            let _ = check_frame(&sync_frame(&data[..len]), &limits);
        }
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = check_frame(&bytes, &FrameLimits::default());
    }

    #[test]
    fn random_sync_data_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..4096)) {
        for first in [0x42, 0x43] {
            let data = [vec![first], tail.clone()].concat();
            let _ = check_frame(&sync_frame(&data), &FrameLimits::default());
        }
    }

    #[test]
    fn mutated_real_frames_never_panic(
        which in 0usize..64,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let all = real_sync_data_cached();
        let mut data = all[which % all.len()].clone();
        for (at, byte) in edits {
            let i = at.index(data.len());
            data[i] = byte;
        }
        let _ = check_frame(&sync_frame(&data), &FrameLimits::default());
    }

    #[test]
    fn mutated_compressed_changes_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let mut body = rle_change_body(1000);
        for (at, byte) in edits {
            let i = at.index(body.len());
            body[i] = byte;
        }
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&body).expect("deflating into a Vec");
        let deflated = encoder.finish().expect("deflating into a Vec");
        let _ = check_frame(&sync_frame(&v1_message(&[chunk(2, &deflated)])), &FrameLimits::default());
        let _ = check_frame(&sync_frame(&v1_message(&[chunk(1, &body)])), &FrameLimits::default());
    }

    #[test]
    fn random_column_data_never_panics(
        spec in any::<u32>(),
        column in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let document = document_with_one_column((spec & 0x7f) as u8, &column, spec & 0x80 != 0);
        let _ = check_frame(&sync_frame(&v1_message(&[document])), &FrameLimits::default());
    }

    /// Whatever Bloom filter passes the check, automerge can receive it and answer.
    #[test]
    fn accepted_bloom_filters_never_crash_automerge(
        entries in 0u64..6,
        bits_per_entry in prop_oneof![0u64..3, 0u64..80],
        probes in prop_oneof![0u64..3, 0u64..40],
        // Mostly the length automerge expects, sometimes one byte off either way.
        length_error in prop_oneof![3 => Just(0i64), 1 => Just(-1i64), 1 => Just(1i64)],
        bits in proptest::collection::vec(any::<u8>(), 64),
    ) {
        let expected = (entries * bits_per_entry).div_ceil(8) as i64;
        let len = usize::try_from(expected + length_error).unwrap_or(0).min(bits.len());
        let mut bloom = leb(entries);
        bloom.extend(leb(bits_per_entry));
        bloom.extend(leb(probes));
        bloom.extend(&bits[..len]);
        let data = message_with_bloom(&bloom);
        if check_frame(&sync_frame(&data), &FrameLimits::default()).is_ok() {
            let answered = catch_unwind(AssertUnwindSafe(|| {
                let mut doc = text_doc(3);
                let mut state = State::new();
                let message = Message::decode(&data).expect("decodes");
                doc.sync().receive_sync_message(&mut state, message).expect("receives");
                doc.sync().generate_sync_message(&mut state).is_some()
            }));
            prop_assert!(answered.is_ok(), "automerge panicked on an accepted filter");
        }
    }
}

fn real_sync_data_cached() -> &'static [Vec<u8>] {
    static DATA: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    DATA.get_or_init(real_sync_data)
}

// ---------------------------------------------------------------------------------------------
// Run-length bombs: rows declared by columns

/// Signed LEB128, as automerge's RLE run counts are written.
fn sleb(mut n: i64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if (n == 0 && byte & 0x40 == 0) || (n == -1 && byte & 0x40 != 0) {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// The body of a change chunk of `n` operations `put(ROOT, "k", null)`, each column one run.
fn rle_change_body(n: i64) -> Vec<u8> {
    let columns: [(u8, Vec<u8>); 5] = [
        (0x15, [sleb(n), vec![0x01, 0x6b]].concat()), // key: n × "k"
        (0x34, leb(n as u64)),                        // insert: n × false
        (0x42, [sleb(n), vec![0x01]].concat()),       // action: n × set
        (0x56, [sleb(n), vec![0x00]].concat()),       // value metadata: n × null
        (0x70, [sleb(n), vec![0x00]].concat()),       // pred: n × no predecessors
    ];
    let mut body = vec![0x00, 0x10];
    body.extend([0xab; 16]); // actor
    body.extend([0x01, 0x01, 0x00, 0x00, 0x00]); // seq, start op, time, message, other actors
    body.push(columns.len() as u8);
    for (spec, data) in &columns {
        body.push(*spec);
        body.extend(leb(data.len() as u64));
    }
    for (_, data) in columns {
        body.extend(data);
    }
    body
}

/// A chunk with a valid checksum, as automerge computes it.
fn checksummed_chunk(chunk_type: u8, body: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let mut hashed = vec![chunk_type];
    hashed.extend(leb(body.len() as u64));
    hashed.extend(body);
    let hash = sha2::Sha256::digest(&hashed);
    let mut out = vec![0x85, 0x6f, 0x4a, 0x83];
    out.extend(hash.get(..4).expect("32-byte hash"));
    out.extend(hashed);
    out
}

#[test]
fn rle_bomb_change_chunk_is_rejected_by_its_row_count() {
    // 69 bytes declaring four million operations: automerge 0.12 applies them, spending
    // about 4 s and 1.1 GiB in `receive_sync_message`.
    let bomb = checksummed_chunk(1, &rle_change_body(4_000_000));
    assert!(bomb.len() < 80);
    let limits = FrameLimits::default();
    assert_eq!(
        check_frame(&sync_frame(&v1_message(&[bomb])), &limits),
        Err(FrameRejected::TooManyRows { limit: 1 << 20 })
    );

    // The same structure with a thousand operations is legitimate, and automerge takes it.
    let small = checksummed_chunk(1, &rle_change_body(1000));
    let data = v1_message(&[small]);
    let seen = inspect_frame(&sync_frame(&data), &limits).expect("accepted");
    assert_eq!(seen.decoded_rows, 1000 + 1, "operations and the chunk");
    let mut doc = AutoCommit::new();
    doc.sync()
        .receive_sync_message(&mut State::new(), Message::decode(&data).expect("decode"))
        .expect("automerge applies it");
    assert!(doc.get(ROOT, "k").expect("get").is_some());
}

#[test]
fn rle_bomb_inside_a_compressed_change_is_rejected() {
    let body = rle_change_body(4_000_000);
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&body).expect("deflating into a Vec");
    let deflated = encoder.finish().expect("deflating into a Vec");
    assert_eq!(
        check_frame(
            &sync_frame(&v1_message(&[chunk(2, &deflated)])),
            &FrameLimits::default()
        ),
        Err(FrameRejected::TooManyRows { limit: 1 << 20 })
    );
}

#[test]
fn rle_bomb_in_document_columns_is_rejected_plain_or_deflated() {
    // One op column of type "integer": a run of 2^40 zeros, in six bytes.
    let column = [sleb(1 << 40), vec![0x00]].concat();
    let limits = FrameLimits::default();
    let too_many = Err(FrameRejected::TooManyRows { limit: 1 << 20 });
    let plain = document_with_one_column(0x12, &column, true);
    assert_eq!(
        check_frame(&sync_frame(&v1_message(&[plain])), &limits),
        too_many
    );

    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&column).expect("deflating into a Vec");
    let deflated = encoder.finish().expect("deflating into a Vec");
    let document = document_with_one_column(0x12 | 0x08, &deflated, false);
    assert_eq!(
        check_frame(&sync_frame(&v1_message(&[document])), &limits),
        too_many
    );
}

#[test]
fn many_empty_actor_ids_count_against_the_row_limit() {
    let mut body = leb(5000);
    body.extend(std::iter::repeat_n(0x00, 5000)); // 5000 empty actor ids
    body.extend([0x00, 0x00, 0x00]); // no heads, no change columns, no op columns
    let document = chunk(0, &body);
    let limits = FrameLimits {
        max_decoded_rows: 1000,
        ..FrameLimits::default()
    };
    assert_eq!(
        check_frame(&sync_frame(&v1_message(&[document])), &limits),
        Err(FrameRejected::TooManyRows { limit: 1000 })
    );
}

#[test]
fn the_row_limit_applies_to_legitimate_large_changes_too() {
    // Deleting 20 000 characters in one change: legitimately few bytes, many rows.
    let mut doc = text_doc(1);
    let (_, text) = doc.get(ROOT, "notes").expect("get").expect("notes");
    doc.splice_text(&text, 0, 0, &"x".repeat(20_000))
        .expect("splice");
    doc.commit();
    doc.splice_text(&text, 0, 20_000, "").expect("delete");
    doc.commit();
    let change = doc.get_last_local_change().expect("change");
    let data = v1_message(&[change.raw_bytes().to_vec()]);
    let seen = inspect_frame(&sync_frame(&data), &FrameLimits::default()).expect("accepted");
    assert_eq!(seen.decoded_rows, 20_000 + 1, "operations and the chunk");
    let tight = FrameLimits {
        max_decoded_rows: 20_000,
        ..FrameLimits::default()
    };
    assert_eq!(
        check_frame(&sync_frame(&data), &tight),
        Err(FrameRejected::TooManyRows { limit: 20_000 })
    );
}

/// A document using every kind of value and operation, edited by two actors.
fn varied_doc() -> AutoCommit {
    use automerge::ScalarValue;
    use automerge::marks::{ExpandMark, Mark};
    let mut a = AutoCommit::new();
    let list = a.put_object(ROOT, "list", ObjType::List).expect("list");
    for i in 0..300 {
        a.insert(&list, i, i as i64 * -3).expect("insert");
    }
    a.put(ROOT, "float", 1.5f64).expect("put");
    a.put(ROOT, "bytes", ScalarValue::Bytes(vec![1, 2, 3]))
        .expect("put");
    a.put(ROOT, "time", ScalarValue::Timestamp(-5))
        .expect("put");
    a.put(ROOT, "counter", ScalarValue::counter(3))
        .expect("put");
    a.increment(ROOT, "counter", 4).expect("increment");
    let map = a.put_object(ROOT, "map", ObjType::Map).expect("map");
    a.put(&map, "neg", -1_000_000i64).expect("put");
    a.put(&map, "uint", ScalarValue::Uint(u64::MAX))
        .expect("put");
    a.put(&map, "null", ScalarValue::Null).expect("put");
    a.put(&map, "bool", true).expect("put");
    let nested = a.put_object(&map, "nested", ObjType::List).expect("nested");
    a.insert(&nested, 0, "value").expect("insert");
    let text = a.put_object(ROOT, "text", ObjType::Text).expect("text");
    a.splice_text(&text, 0, 0, &"Grüße 🌱 こんにちは hello world ".repeat(20))
        .expect("splice");
    a.mark(
        &text,
        Mark::new("bold".into(), true, 0, 5),
        ExpandMark::Both,
    )
    .expect("mark");
    a.commit();
    let mut b = a.fork();
    b.splice_text(&text, 0, 3, "").expect("delete text");
    for _ in 0..100 {
        b.delete(&list, 0).expect("delete");
    }
    b.put(ROOT, "float", 2.5).expect("put");
    b.commit();
    a.put(ROOT, "float", 3.5).expect("conflicting put");
    a.delete(&map, "null").expect("delete");
    a.commit();
    a.merge(&mut b).expect("merge");
    a
}

#[test]
fn varied_documents_pass_whole_and_in_sync() {
    let mut a = varied_doc();
    let limits = FrameLimits::default();
    let saved = a.save();
    let seen = inspect_frame(&sync_frame(&v1_message(&[saved])), &limits).expect("save");
    assert!(
        seen.deflated_columns > 0 && seen.decoded_rows > 300,
        "{seen:?}"
    );
    let changes: Vec<Vec<u8>> = a
        .get_changes(&[])
        .into_iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect();
    inspect_frame(&sync_frame(&v1_message(&changes)), &limits).expect("changes");
    let mut compressed: Vec<Vec<u8>> = Vec::new();
    for mut change in a.get_changes(&[]) {
        compressed.push(change.bytes().into_owned());
    }
    inspect_frame(&sync_frame(&v1_message(&compressed)), &limits).expect("compressed changes");

    let mut b = AutoCommit::new();
    sync_through_frames(&mut a, &mut b);
    assert_eq!(a.get_heads(), b.get_heads());
}

#[test]
fn h2_a_compressed_change_of_zeros_within_the_budget_is_rejected_as_too_much_extra() {
    // 64 MiB of zeros read as a change with no operations and 64 MiB of "extra bytes": within
    // the inflation budget, but automerge would keep them verbatim and every member would store
    // and sync them. Inflation stops just past the extra-bytes bound.
    let bomb = sync_frame(&v1_message(&[chunk(2, &deflated_zeros(64))]));
    assert!(bomb.len() < 100 * 1024);
    let limits = FrameLimits::default();
    assert!(matches!(
        check_frame(&bomb, &limits),
        Err(FrameRejected::BadChunk(reason)) if reason.contains("after its operations")
    ));
    // The same shape with a few extra bytes (an author's, say) passes.
    let small = sync_frame(&v1_message(&[chunk(2, &deflated_bytes(&[0u8; 64]))]));
    assert_eq!(check_frame(&small, &limits), Ok(()));
}

fn deflated_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("deflating into a Vec");
    encoder.finish().expect("deflating into a Vec")
}

#[test]
fn an_uncompressed_change_with_megabytes_after_its_operations_is_rejected() {
    let mut body = rle_change_body(10);
    body.extend(vec![0u8; chunk::MAX_EXTRA_BYTES + 1]);
    let frame = sync_frame(&v1_message(&[checksummed_chunk(1, &body)]));
    assert!(matches!(
        check_frame(&frame, &FrameLimits::default()),
        Err(FrameRejected::BadChunk(reason)) if reason.contains("after its operations")
    ));
    let mut body = rle_change_body(10);
    body.extend([0u8; 40]);
    let frame = sync_frame(&v1_message(&[checksummed_chunk(1, &body)]));
    assert_eq!(check_frame(&frame, &FrameLimits::default()), Ok(()));
}
