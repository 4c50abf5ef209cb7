//! When a note or case last changed and which device changed it, read from the document's own
//! change log, so the community document need not be written on every edit.
//!
//! The last change is the latest of the document's newest changes (its heads), passing over
//! changes that are not an edit of it (thanks) to the changes they follow. A document whose only
//! edit is the one that created it has no last change: nobody has changed it yet.

use automerge::{Automerge, ChangeHash, ReadDoc};

use crate::model::{DeviceId, Timestamp, history};

/// Change messages that are not an edit of the document: thanking a note's author.
const NOT_AN_EDIT: &[&str] = &["thank"];

/// How many changes [`last_change`] looks at, at most (a run of thanks is short).
const MAX_CHANGES_VISITED: usize = 1_000;

/// A document's last edit: when (the device's clock) and by which device, when it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastChange {
    pub at: Timestamp,
    pub device: Option<DeviceId>,
}

/// The document's last edit after the one that created it, if any.
pub fn last_change(doc: &Automerge) -> Option<LastChange> {
    let mut to_visit: Vec<ChangeHash> = doc.get_heads();
    let mut seen = std::collections::HashSet::new();
    let mut latest: Option<LastChange> = None;
    while let Some(hash) = to_visit.pop() {
        if !seen.insert(hash) || seen.len() > MAX_CHANGES_VISITED {
            continue;
        }
        let Some(change) = doc.get_change_by_hash(&hash) else {
            continue;
        };
        if change.deps().is_empty() {
            // The change that created the document.
            continue;
        }
        let (what, device) = history::parse_message(change.message().unwrap_or(""));
        if NOT_AN_EDIT.contains(&what) {
            to_visit.extend(change.deps().iter().copied());
            continue;
        }
        let at = Timestamp(change.timestamp());
        if latest.as_ref().is_none_or(|l| at > l.at) {
            latest = Some(LastChange {
                at,
                device: device.map(|d| DeviceId::from(d.to_string())),
            });
        }
    }
    latest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MemberId, Note, NoteEdit, change};

    fn device(name: &str) -> DeviceId {
        DeviceId::from(name.to_string())
    }

    fn note() -> Automerge {
        let ada = MemberId::from("ada".to_string());
        let note = Note::new("Plan", "", &ada, Timestamp(10)).unwrap();
        change::create(
            &note,
            &history::message("add note", &device("dev-a")),
            Timestamp(10),
        )
        .unwrap()
    }

    fn edit(doc: &mut Automerge, by: &str, what: &str, at: i64) {
        change::update(
            doc,
            &history::message(what, &device(by)),
            Timestamp(at),
            |n: &mut Note| n.edit_body(&NoteEdit::Append(format!("{what} at {at}"))),
        )
        .unwrap();
    }

    #[test]
    fn a_new_document_has_no_last_change() {
        assert_eq!(last_change(&note()), None);
    }

    #[test]
    fn the_last_edit_names_its_time_and_device() {
        let mut doc = note();
        edit(&mut doc, "dev-b", "edit note", 20);
        edit(&mut doc, "dev-a", "edit note", 30);
        assert_eq!(
            last_change(&doc),
            Some(LastChange {
                at: Timestamp(30),
                device: Some(device("dev-a"))
            })
        );
    }

    #[test]
    fn thanks_are_not_an_edit() {
        let mut doc = note();
        edit(&mut doc, "dev-b", "edit note", 20);
        edit(&mut doc, "dev-c", "thank", 40);
        let last = last_change(&doc).unwrap();
        assert_eq!(
            (last.at, last.device),
            (Timestamp(20), Some(device("dev-b")))
        );
    }

    #[test]
    fn of_concurrent_edits_the_later_one_counts() {
        let mut a = note();
        let mut b = a.fork();
        edit(&mut a, "dev-a", "edit note", 50);
        edit(&mut b, "dev-b", "edit note", 60);
        a.merge(&mut b).unwrap();
        assert_eq!(last_change(&a).unwrap().device, Some(device("dev-b")));
    }
}
