//! "What's new since I last looked": notes and cases that someone else changed after this
//! device last opened them.
//!
//! When an item was last looked at is kept per device (the node stores it locally, never
//! synced) as [`ReadMarks`]. An item never opened counts from when the member joined, so a
//! newcomer is not greeted by the whole archive marked new.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Community, DocEntry, DocRef, MemberId, Timestamp};

/// When each note or case was last looked at on this device.
pub type ReadMarks = BTreeMap<DocRef, Timestamp>;

/// An item changed by someone else since this device last looked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unread {
    /// The note or case (in JSON, its `kind` and `id`).
    #[serde(flatten)]
    pub doc: DocRef,
    pub title: String,
    pub updated_at: Timestamp,
    /// Who changed it last.
    pub by: MemberId,
}

/// Whether the entry was changed by someone other than `me` after `since`.
fn changed_by_others(entry: &DocEntry, me: &MemberId, since: Timestamp) -> Option<MemberId> {
    let by = entry.updated_by.as_ref().unwrap_or(&entry.author);
    (by != me && entry.updated_at > since).then(|| by.clone())
}

/// The unread items, newest first.
pub fn unread(community: &Community, me: &MemberId, marks: &ReadMarks) -> Vec<Unread> {
    let joined = community
        .members
        .get(me)
        .map_or(Timestamp(i64::MAX), |m| m.joined_at);
    let notes = community
        .notes
        .iter()
        .map(|(id, e)| (DocRef::Note(id.clone()), e));
    let cases = community
        .cases
        .iter()
        .map(|(id, e)| (DocRef::Case(id.clone()), e));
    let mut out: Vec<Unread> = notes
        .chain(cases)
        .filter_map(|(doc, entry)| {
            let since = marks.get(&doc).copied().unwrap_or(joined);
            changed_by_others(entry, me, since).map(|by| Unread {
                doc,
                title: entry.title.clone(),
                updated_at: entry.updated_at,
                by,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.updated_at
            .cmp(&a.updated_at)
            .then(a.doc.id_str().cmp(b.doc.id_str()))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CaseId, DocKind, Member, NoteId};

    fn id(s: &str) -> MemberId {
        MemberId::from(s.to_string())
    }

    fn entry(title: &str, author: &str, updated_by: Option<&str>, at: i64) -> DocEntry {
        DocEntry {
            updated_at: Timestamp(at),
            updated_by: updated_by.map(id),
            ..DocEntry::new(title, id(author), Timestamp(1))
        }
    }

    fn community() -> Community {
        let mut c = Community::new(
            "Gardeners",
            "",
            &id("ada"),
            Member::new("Ada", "dev-a", Timestamp(100)).unwrap(),
            Timestamp(0),
        )
        .unwrap();
        c.members
            .insert(id("bo"), Member::new("Bo", "dev-b", Timestamp(0)).unwrap());
        let note = |s: &str| NoteId::from(s.to_string());
        // Before Ada joined: old news.
        c.notes.insert(note("old"), entry("Old", "bo", None, 50));
        // Bo changed it after Ada joined.
        c.notes
            .insert(note("new"), entry("New", "bo", Some("bo"), 200));
        // Ada's own change is never news to her.
        c.notes
            .insert(note("mine"), entry("Mine", "bo", Some("ada"), 300));
        // Opened by Ada after Bo's change: read.
        c.notes
            .insert(note("read"), entry("Read", "bo", Some("bo"), 400));
        c.cases.insert(
            CaseId::from("k".to_string()),
            entry("Case", "bo", Some("bo"), 500),
        );
        c
    }

    #[test]
    fn only_changes_by_others_since_last_looked_are_new_newest_first() {
        let c = community();
        let marks = ReadMarks::from([(
            DocRef::Note(NoteId::from("read".to_string())),
            Timestamp(450),
        )]);
        let titles: Vec<_> = unread(&c, &id("ada"), &marks)
            .into_iter()
            .map(|u| (u.doc.kind(), u.title))
            .collect();
        assert_eq!(
            titles,
            vec![
                (DocKind::Case, "Case".to_string()),
                (DocKind::Note, "New".to_string())
            ]
        );
    }

    #[test]
    fn a_later_change_after_looking_is_new_again() {
        let c = community();
        let marks = ReadMarks::from([(
            DocRef::Note(NoteId::from("read".to_string())),
            Timestamp(399),
        )]);
        assert!(
            unread(&c, &id("ada"), &marks)
                .iter()
                .any(|u| u.title == "Read")
        );
        // Someone not on the roster (a removed device's member) sees nothing as new.
        assert!(unread(&c, &id("stranger"), &ReadMarks::new()).is_empty());
    }

    /// The CLI's JSON for an unread item is what it was before items carried a [`DocRef`].
    #[test]
    fn an_unread_item_serialises_with_kind_and_id() {
        let item = Unread {
            doc: DocRef::Note(NoteId::from("n1".to_string())),
            title: "T".into(),
            updated_at: Timestamp(0),
            by: id("bo"),
        };
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            serde_json::json!({
                "kind": "note", "id": "n1", "title": "T", "updated_at": 0, "by": "bo"
            })
        );
    }
}
