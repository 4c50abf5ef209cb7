//! The document format version: each document records, at its root, the newest format of the
//! copse versions that wrote it, so that members running different versions for months never
//! damage each other's documents.
//!
//! The rules, kept by [`crate::model::change`]:
//! - An edit never drops fields it does not know: autosurgeon's struct reconcile puts the
//!   struct's own fields and leaves other keys of the map alone, and no document root is an enum
//!   (whose reconcile would delete the other variants' keys). Tested in `format/tests.rs`.
//! - A document whose format is newer than [`FORMAT`] is only read, never changed: an edit is
//!   refused with [`ModelError::NewerFormat`] before anything is written.
//! - [`FORMAT`] goes up only when a change to the documents would be unsafe for an older copse
//!   to edit (a field's meaning changes, an enum gains a variant older ones cannot read). A new
//!   optional field does not need it: older versions keep it untouched.

use automerge::transaction::Transactable;
use automerge::{ObjId, ROOT, ReadDoc, ScalarValue, Value};
use autosurgeon::reconcile::NoKey;
use autosurgeon::{Hydrate, HydrateError, Prop, Reconcile, Reconciler};

use crate::model::ModelError;

/// The format this copse writes and the newest it edits.
pub const FORMAT: u64 = 1;

/// What a member is told about a document a newer copse wrote.
pub const READ_ONLY: &str = "Updated by a newer copse; update to edit it";

/// The root key holding a document's format. Documents written before formats were recorded
/// have none, which is format 0.
pub const FORMAT_KEY: &str = "copse_format";

/// The format recorded in `doc` (0 when none is).
pub fn of(doc: &impl ReadDoc) -> u64 {
    read(doc.get(ROOT, FORMAT_KEY))
}

/// The format a lookup of the format's key found.
fn read(found: Result<Option<(Value<'_>, ObjId)>, automerge::AutomergeError>) -> u64 {
    match found {
        Ok(Some((Value::Scalar(value), _))) => match value.as_ref() {
            ScalarValue::Uint(n) => *n,
            ScalarValue::Int(n) => u64::try_from(*n).unwrap_or(0),
            // A value no copse writes: the safe reading is "newer than this one".
            _ => u64::MAX,
        },
        Ok(Some(_)) => u64::MAX,
        Ok(None) | Err(_) => 0,
    }
}

/// Refuses to change a document written in a newer format.
pub fn check_editable(doc: &impl ReadDoc) -> Result<(), ModelError> {
    let found = of(doc);
    if found > FORMAT {
        return Err(ModelError::NewerFormat { found });
    }
    Ok(())
}

/// Records [`FORMAT`] in a document this copse is changing, when it holds an older one.
pub fn record(tx: &mut impl Transactable) -> Result<(), ModelError> {
    if of(tx) < FORMAT {
        tx.put(ROOT, FORMAT_KEY, FORMAT)
            .map_err(|e| ModelError::Unwritable(e.to_string()))?;
    }
    Ok(())
}

/// A document's format as part of its snapshot (the `format` field of a note or a case), so a
/// view can tell before any edit that the document is read-only. Read as [`of`] reads it, never
/// a reason for the snapshot to fail; never written back by reconcile ([`record`] writes it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Format(pub u64);

impl Format {
    /// Whether a newer copse wrote the document, so this one only reads it.
    pub fn is_newer(self) -> bool {
        self.0 > FORMAT
    }
}

impl Hydrate for Format {
    fn hydrate<D: autosurgeon::ReadDoc>(
        doc: &D,
        obj: &ObjId,
        prop: Prop<'_>,
    ) -> Result<Self, HydrateError> {
        Ok(Format(read(doc.get(obj, &prop))))
    }
}

impl Reconcile for Format {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, _reconciler: R) -> Result<(), R::Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
