//! A document's history, read from its Automerge change log: who changed what, and when, and
//! the document as it was at an earlier version.
//!
//! Each change's message says what was done and, on its last line, which device did it (see
//! [`message`]); the roster turns a device into a member's name. Consecutive changes by one
//! device with the same message, a few minutes apart at most, are one [`Revision`]: a note typed
//! for ten minutes is one line of history, not six hundred.
//!
//! A version is named by the hash of its last change. Viewing it forks the document at that
//! change; restoring it is an ordinary new change on top (see `Node::restore_note`), so nothing
//! is lost and members merge it as they merge any edit.

use automerge::{Automerge, ChangeHash, ReadDoc};
use autosurgeon::Hydrate;
use serde::Serialize;

use crate::model::{DeviceId, ModelError, Timestamp, change};

/// Changes further apart than this start a new revision.
pub const REVISION_GAP_MS: i64 = 5 * 60 * 1000;

const DEVICE_PREFIX: &str = "\ndevice: ";

/// A change message naming what was done and the device that did it.
pub fn message(what: &str, device: &DeviceId) -> String {
    format!("{what}{DEVICE_PREFIX}{device}")
}

/// What a change message says was done, and by which device (if it says).
pub fn parse_message(message: &str) -> (&str, Option<&str>) {
    match message.rsplit_once(DEVICE_PREFIX) {
        Some((what, device)) => (what, Some(device)),
        None => (message, None),
    }
}

/// What a change did, in words that follow a name: "Ann" + " settled a conflict". Messages this
/// version does not know read as they were written.
pub fn in_words(what: &str) -> String {
    match what {
        "add note" => "added the note",
        "edit note" => "edited the note",
        "rename note" => "renamed the note",
        "comment on note" | "comment on case" => "commented",
        "delete comment" => "deleted a comment",
        "open case" => "opened the case",
        "edit case" => "edited the case",
        "rename case" => "renamed the case",
        "ask question" => "asked a question",
        "answer question" => "answered a question",
        "suggest" => "made a suggestion",
        "advance phase" => "moved the case to its next phase",
        "undo advance phase" => "moved the case back a phase",
        "close case" => "closed the case",
        "thank for a suggestion" => "thanked someone for a suggestion",
        "thank for an answer" => "thanked someone for an answer",
        "settle a conflict" => "settled a conflict",
        "restore note version" | "restore case version" => "restored an earlier version",
        other => other,
    }
    .to_string()
}

/// One entry in a document's history: consecutive changes by one device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// Names the version after this revision (the hash of its last change).
    pub version: String,
    /// What was done ("edit note", "add comment" …).
    pub what: String,
    /// The device that did it, when the change says.
    pub device: Option<DeviceId>,
    /// When the first and the last change of the revision were made (the device's clock).
    pub first_at: Timestamp,
    pub last_at: Timestamp,
    /// How many changes it holds.
    pub changes: usize,
}

/// The document's revisions, oldest first.
pub fn revisions(doc: &Automerge) -> Vec<Revision> {
    let mut out: Vec<Revision> = Vec::new();
    for change in doc.get_changes(&[]) {
        let (what, device) = parse_message(change.message().unwrap_or("change"));
        let at = Timestamp(change.timestamp());
        let version = change.hash().to_string();
        if let Some(last) = out.last_mut()
            && last.what == what
            && last.device.as_ref().map(DeviceId::as_str) == device
            && (at.0 - last.last_at.0).abs() <= REVISION_GAP_MS
        {
            last.version = version;
            last.last_at = at;
            last.changes += 1;
            continue;
        }
        out.push(Revision {
            version,
            what: what.to_string(),
            device: device.map(|d| DeviceId::from(d.to_string())),
            first_at: at,
            last_at: at,
            changes: 1,
        });
    }
    out
}

/// The document as it was at `version` (a change hash from [`revisions`]).
pub fn at<T: Hydrate>(doc: &Automerge, version: &str) -> Result<T, ModelError> {
    let hash: ChangeHash = version
        .trim()
        .parse()
        .map_err(|_| ModelError::NoSuchVersion(version.to_string()))?;
    if doc.get_change_by_hash(&hash).is_none() {
        return Err(ModelError::NoSuchVersion(version.to_string()));
    }
    let old = doc
        .fork_at(&[hash])
        .map_err(|_| ModelError::NoSuchVersion(version.to_string()))?;
    change::read(&old)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MemberId, Note, NoteEdit};

    fn edit(doc: &mut Automerge, device: &str, at: i64, text: &str) {
        change::update(
            doc,
            &message("edit note", &DeviceId::from(device.to_string())),
            Timestamp(at),
            |n: &mut Note| n.edit_body(&NoteEdit::Replace(text.into())),
        )
        .unwrap();
    }

    #[test]
    fn typing_sessions_are_one_revision_each_with_who_and_when() {
        let ada = MemberId::from("ada".to_string());
        let note = Note::new("Plan", "", &ada, Timestamp(0)).unwrap();
        let mut doc = change::create(
            &note,
            &message("add note", &DeviceId::from("dev-a".to_string())),
            Timestamp(0),
        )
        .unwrap();
        edit(&mut doc, "dev-a", 1_000, "h");
        edit(&mut doc, "dev-a", 2_000, "hi");
        edit(&mut doc, "dev-b", 3_000, "hi bo");
        // Ada again, but after a long pause: a new revision.
        edit(&mut doc, "dev-a", 3_000 + REVISION_GAP_MS + 1, "hi bo!");

        let log = revisions(&doc);
        let summary: Vec<_> = log
            .iter()
            .map(|r| {
                (
                    r.what.as_str(),
                    r.device.as_ref().map(DeviceId::as_str),
                    r.changes,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("add note", Some("dev-a"), 1),
                ("edit note", Some("dev-a"), 2),
                ("edit note", Some("dev-b"), 1),
                ("edit note", Some("dev-a"), 1),
            ]
        );
        assert_eq!(
            (log[1].first_at, log[1].last_at),
            (Timestamp(1_000), Timestamp(2_000))
        );

        let then: Note = at(&doc, &log[1].version).unwrap();
        assert_eq!(then.body.as_str(), "hi");
        let first: Note = at(&doc, &log[0].version).unwrap();
        assert_eq!(first.body.as_str(), "");
    }

    #[test]
    fn a_case_is_restored_to_an_earlier_phase_as_a_new_change() {
        use crate::model::{Case, Phase};
        let ada = MemberId::from("ada".to_string());
        let case = Case::new("Stuck", "Nobody reviews", &ada, Timestamp(0)).unwrap();
        let mut doc = change::create(
            &case,
            &message("open case", &DeviceId::from("d".to_string())),
            Timestamp(0),
        )
        .unwrap();
        let first = revisions(&doc)[0].version.clone();
        change::update(&mut doc, "advance", Timestamp(1), |c: &mut Case| {
            c.advance_phase(&ada)
        })
        .unwrap();
        let old: Case = at(&doc, &first).unwrap();
        change::update(&mut doc, "restore", Timestamp(2), |c: &mut Case| {
            c.restore(old);
            Ok(())
        })
        .unwrap();
        let now: Case = change::read(&doc).unwrap();
        assert_eq!(now.phase, Phase::Clarify);
        assert_eq!(now.situation.as_str(), "Nobody reviews");
        assert_eq!(
            revisions(&doc).len(),
            3,
            "history keeps the advance and the restore"
        );
    }

    #[test]
    fn unknown_versions_and_messages_without_a_device_are_handled() {
        assert_eq!(parse_message("edit note"), ("edit note", None));
        assert_eq!(
            parse_message(&message("edit note", &DeviceId::from("abc".to_string()))),
            ("edit note", Some("abc"))
        );
        let ada = MemberId::from("ada".to_string());
        let note = Note::new("Plan", "", &ada, Timestamp(0)).unwrap();
        let doc = change::create(&note, "add note", Timestamp(0)).unwrap();
        assert_eq!(revisions(&doc)[0].device, None);
        for bad in ["nonsense", "", &"ab".repeat(32)] {
            assert!(matches!(
                at::<Note>(&doc, bad),
                Err(ModelError::NoSuchVersion(_))
            ));
        }
    }
}
