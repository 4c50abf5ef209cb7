//! Keeping a document's newest changes when its compacted snapshot could not be written.
//!
//! samod compacts by writing one snapshot *instead of* the incremental chunks of the newest
//! changes, and then deletes the chunks the snapshot supersedes. When the snapshot write fails,
//! refusing those deletes (see `writer.rs`) keeps the older data — but the newest changes exist
//! only in the failed snapshot. They would be gone after a restart, and every later change,
//! which depends on them, would not load either (docs/hostile-inputs.md, H4).
//!
//! So the writer stores those changes the way samod stores changes between compactions: one
//! `<doc>/incremental/<change hash>` chunk each, and only the ones not on disk already. That is
//! usually a handful of small rows, which can succeed where the large snapshot failed (a nearly
//! full disk, a blob over SQLite's size limit).

use automerge::{Automerge, ChangeHash, ReadDoc};
use rusqlite::{Connection, TransactionBehavior, params};
use samod::storage::StorageKey;

use super::chunk_check::check_chunks;
use super::key_text;
use super::writer::{WriteFault, fault_hits};

/// The component samod puts after the document id in snapshot keys.
const SNAPSHOT: &str = "snapshot";
/// The component samod puts after the document id in change keys.
const INCREMENTAL: &str = "incremental";

/// Whether `key` names a compacted snapshot (`<doc>/snapshot/<hash>`).
pub(crate) fn is_snapshot(key: &StorageKey) -> bool {
    key.into_iter().nth(1).is_some_and(|c| c == SNAPSHOT)
}

/// Stores the changes of `snapshot` (the bytes of the failed put of `key`) that the database
/// does not hold yet, as incremental chunks, in one transaction. Returns the keys stored.
pub(crate) fn rescue_snapshot(
    conn: &mut Connection,
    key: &StorageKey,
    snapshot: &[u8],
    fault: Option<&WriteFault>,
) -> Result<Vec<String>, String> {
    let doc_id = key_text::document_of(key);
    let full = Automerge::load(snapshot).map_err(|e| format!("the snapshot does not load: {e}"))?;
    let on_disk =
        stored_document(conn, doc_id).map_err(|e| format!("reading the stored chunks: {e}"))?;
    // Heads the snapshot does not know (written by another copy of the document) say nothing
    // about what it lacks; leaving them out only makes the set of missing changes larger.
    let known_heads: Vec<ChangeHash> = on_disk
        .get_heads()
        .into_iter()
        .filter(|h| full.get_change_by_hash(h).is_some())
        .collect();
    let missing = full.get_changes(&known_heads);
    if missing.is_empty() {
        return Ok(Vec::new());
    }

    let mut rows = Vec::with_capacity(missing.len());
    for change in &missing {
        let change_key = StorageKey::from_parts([doc_id, INCREMENTAL, &change.hash().to_string()])
            .map_err(|_| format!("{doc_id} is not a usable document id"))?;
        if fault_hits(fault, &change_key) {
            return Err(format!(
                "injected write fault on {}",
                key_text::to_text(&change_key)
            ));
        }
        rows.push((key_text::to_text(&change_key), change.raw_bytes()));
    }

    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| e.to_string())?;
    {
        // An existing row under a change hash holds that very change: keep it.
        let mut insert = tx
            .prepare_cached("INSERT OR IGNORE INTO chunks(key, data) VALUES (?1, ?2)")
            .map_err(|e| e.to_string())?;
        for (text, data) in &rows {
            insert
                .execute(params![text, data])
                .map_err(|e| e.to_string())?;
        }
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(rows.into_iter().map(|(text, _)| text).collect())
}

/// Everything stored for `doc_id`, loaded into one document. A damaged chunk is left out (it is
/// not handed to automerge unchecked), which only makes the rescue store more.
fn stored_document(conn: &Connection, doc_id: &str) -> rusqlite::Result<Automerge> {
    let mut doc = Automerge::new();
    let mut stmt = conn.prepare_cached("SELECT data FROM chunks WHERE key >= ?1 AND key < ?2")?;
    let mut rows = stmt.query(params![format!("{doc_id}/"), format!("{doc_id}0")])?;
    while let Some(row) = rows.next()? {
        if let rusqlite::types::ValueRef::Blob(data) = row.get_ref(0)?
            && check_chunks(data).is_ok()
        {
            let _ = doc.load_incremental(data);
        }
    }
    Ok(doc)
}
