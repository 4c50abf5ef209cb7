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
use automerge::{ROOT, ReadDoc, ScalarValue, Value};

use crate::model::ModelError;

/// The format this copse writes and the newest it edits.
pub const FORMAT: u64 = 1;

/// The root key holding a document's format. Documents written before formats were recorded
/// have none, which is format 0.
pub const FORMAT_KEY: &str = "copse_format";

/// The format recorded in `doc` (0 when none is).
pub fn of(doc: &impl ReadDoc) -> u64 {
    match doc.get(ROOT, FORMAT_KEY) {
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

#[cfg(test)]
mod tests;
