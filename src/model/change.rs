//! Reading and changing a document as a Rust value, safely under concurrency.
//!
//! [`update`] hydrates, changes and reconciles inside **one** Automerge transaction. Reconciling
//! a copy hydrated earlier would delete map entries other members added in between (a known
//! autosurgeon pitfall), so no caller keeps a hydrated value around to write back later.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{Automerge, ChangeHash};
use autosurgeon::{Hydrate, Reconcile, hydrate, reconcile};

use crate::model::{ModelError, Timestamp, format};

/// Reads a whole document as `T`.
pub fn read<T: Hydrate>(doc: &Automerge) -> Result<T, ModelError> {
    Ok(hydrate(doc)?)
}

/// Applies `f` to the document's current value and records the result as one change, with
/// `message` and `now` in the change's metadata (the history shows them). Nothing is written
/// when `f` refuses, or when a newer copse wrote the document ([`format`]); a change records
/// this copse's format. Returns what `f` returned.
pub fn update<T, R>(
    doc: &mut Automerge,
    message: &str,
    now: Timestamp,
    f: impl FnOnce(&mut T) -> Result<R, ModelError>,
) -> Result<R, ModelError>
where
    T: Hydrate + Reconcile,
{
    transact(doc, message, now, |tx| {
        let mut value: T = hydrate(tx)?;
        let result = f(&mut value)?;
        reconcile(tx, &value)?;
        Ok(result)
    })
}

/// Runs `f` inside one Automerge transaction recorded as one change with `message` and `now`
/// in its metadata: the shape of every edit ([`update`], and the community's scoped
/// `community_parts::update`). Refuses first when a newer copse wrote the document
/// ([`format`]); a change that changes something records this copse's format, and one that
/// changes nothing writes nothing. Nothing is written when `f` refuses.
pub fn transact<R>(
    doc: &mut Automerge,
    message: &str,
    now: Timestamp,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<R, ModelError>,
) -> Result<R, ModelError> {
    let options = CommitOptions::default()
        .with_message(message.to_string())
        .with_time(now.0);
    doc.transact_with(
        |_| options,
        |tx| {
            format::check_editable(tx)?;
            let result = f(tx)?;
            if tx.pending_ops() > 0 {
                format::record(tx)?;
            }
            Ok::<_, ModelError>(result)
        },
    )
    .map(|success| success.result)
    .map_err(|failure| failure.error)
}

/// A new document holding `value`, as one change.
pub fn create<T: Reconcile>(
    value: &T,
    message: &str,
    now: Timestamp,
) -> Result<Automerge, ModelError> {
    let mut doc = Automerge::new();
    let options = CommitOptions::default()
        .with_message(message.to_string())
        .with_time(now.0);
    doc.transact_with(
        |_| options,
        |tx| {
            reconcile(tx, value)?;
            format::record(tx)
        },
    )
    .map_err(|failure| failure.error)?;
    Ok(doc)
}

/// The document's current heads, to tell whether two replicas hold the same changes.
pub fn heads(doc: &Automerge) -> Vec<ChangeHash> {
    doc.get_heads()
}
