use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};

use super::*;
use crate::model::{MemberId, Note, NoteEdit, Timestamp, change};

fn note_doc() -> Automerge {
    let note = Note::new(
        "Soil",
        "compost",
        &MemberId::from("ada".to_string()),
        Timestamp(1),
    )
    .unwrap();
    change::create(&note, "add note", Timestamp(1)).unwrap()
}

fn set_format(doc: &mut Automerge, format: u64) {
    let mut tx = doc.transaction();
    tx.put(ROOT, FORMAT_KEY, format).unwrap();
    tx.commit();
}

#[test]
fn a_new_document_records_this_format_and_an_old_one_gains_it_on_its_first_edit() {
    let mut doc = note_doc();
    assert_eq!(of(&doc), FORMAT);
    let mut tx = doc.transaction();
    tx.delete(ROOT, FORMAT_KEY).unwrap();
    tx.commit();
    assert_eq!(of(&doc), 0, "written before formats were recorded");
    change::update(&mut doc, "edit", Timestamp(2), |n: &mut Note| {
        n.edit_body(&NoteEdit::Append(" more".into()))
    })
    .unwrap();
    assert_eq!(of(&doc), FORMAT);
}

#[test]
fn a_change_that_changes_nothing_writes_nothing_not_even_the_format() {
    let mut doc = note_doc();
    let mut tx = doc.transaction();
    tx.delete(ROOT, FORMAT_KEY).unwrap();
    tx.commit();
    let heads = doc.get_heads();
    change::update(&mut doc, "rename", Timestamp(2), |n: &mut Note| {
        n.rename("Soil")
    })
    .unwrap();
    assert_eq!(doc.get_heads(), heads);
}

#[test]
fn a_newer_document_is_read_but_never_changed() {
    let mut doc = note_doc();
    set_format(&mut doc, FORMAT + 1);
    let heads = doc.get_heads();
    let err = change::update(&mut doc, "edit", Timestamp(2), |n: &mut Note| {
        n.rename("Mine")
    })
    .unwrap_err();
    assert!(matches!(err, ModelError::NewerFormat { found } if found == FORMAT + 1));
    assert!(
        err.to_string()
            .starts_with("Updated by a newer copse; update to edit it"),
        "{err}"
    );
    assert_eq!(doc.get_heads(), heads, "nothing written");
    let read: Note = change::read(&doc).unwrap();
    assert_eq!(read.title, "Soil");
    // A format value no copse writes counts as newer, too.
    let mut tx = doc.transaction();
    tx.put(ROOT, FORMAT_KEY, "two").unwrap();
    tx.commit();
    assert!(check_editable(&doc).is_err());
}
