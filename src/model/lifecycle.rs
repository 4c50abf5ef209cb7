//! Renaming, archiving and deleting what a community lists: notes, cases, topics and
//! gatherings ([`Item`]), and undoing an archive or a delete.
//!
//! Both marks live in the community document, so every peer sees them:
//! - **archived** items keep their place in the index and their documents; lists hide them by
//!   default, search and export still find them, and any member may unarchive them;
//! - **deleted** items leave the index (or the topic and gathering maps) and leave a
//!   [`Tombstone`] behind: who deleted what and when, and what is needed to put the item back.
//!   A note's or case's own document stays on disk, only unlisted. While the tombstone stands,
//!   [`Community::entry`] and the lists ignore the item, so a late concurrent edit from a peer
//!   that had not yet seen the delete cannot bring it back.

use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::{
    CaseId, Community, DocEntry, DocRef, Gathering, GatheringId, MemberId, ModelError, NoteId,
    Timestamp, Topic, TopicId, limits,
};

/// Something a community lists and a member may rename, archive or delete.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum Item {
    Note(NoteId),
    Case(CaseId),
    Topic(TopicId),
    Gathering(GatheringId),
}

impl Item {
    /// The kind as a word ("note", "case", "topic", "gathering"), for messages and JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Item::Note(_) => "note",
            Item::Case(_) => "case",
            Item::Topic(_) => "topic",
            Item::Gathering(_) => "gathering",
        }
    }

    /// The id as text.
    pub fn id_str(&self) -> &str {
        match self {
            Item::Note(id) => id.as_str(),
            Item::Case(id) => id.as_str(),
            Item::Topic(id) => id.as_str(),
            Item::Gathering(id) => id.as_str(),
        }
    }

    /// The note or case this names, if it is an indexed document.
    pub fn as_doc(&self) -> Option<DocRef> {
        match self {
            Item::Note(id) => Some(DocRef::Note(id.clone())),
            Item::Case(id) => Some(DocRef::Case(id.clone())),
            Item::Topic(_) | Item::Gathering(_) => None,
        }
    }

    /// The key of the item's mark in [`Community::archived`] and [`Community::deleted`].
    pub(crate) fn key(&self) -> String {
        self.to_string()
    }

    fn not_found(&self) -> ModelError {
        let id = self.id_str().to_string();
        match self {
            Item::Note(_) => ModelError::NoSuchNote(id),
            Item::Case(_) => ModelError::NoSuchCase(id),
            Item::Topic(_) => ModelError::NoSuchTopic(id),
            Item::Gathering(_) => ModelError::NoSuchGathering(id),
        }
    }
}

impl From<DocRef> for Item {
    fn from(doc: DocRef) -> Self {
        match doc {
            DocRef::Note(id) => Item::Note(id),
            DocRef::Case(id) => Item::Case(id),
        }
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind(), self.id_str())
    }
}

impl FromStr for Item {
    type Err = ModelError;

    /// Reads `note/<id>`, `case/<id>`, `topic/<id>` or `gathering/<id>`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().split_once('/') {
            Some(("note", id)) => Ok(Item::Note(id.parse()?)),
            Some(("case", id)) => Ok(Item::Case(id.parse()?)),
            Some(("topic", id)) => Ok(Item::Topic(id.parse()?)),
            Some(("gathering", id)) => Ok(Item::Gathering(id.parse()?)),
            _ => Err(ModelError::InvalidId {
                kind: "item",
                given: s.chars().take(80).collect(),
            }),
        }
    }
}

/// Who archived an item, and when.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Archived {
    pub by: MemberId,
    pub at: Timestamp,
}

/// What is left of a deleted item: its title, who deleted it and when, and the listing it had,
/// so that a member can restore it.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate)]
pub struct Tombstone {
    pub title: String,
    pub by: MemberId,
    pub at: Timestamp,
    /// A note's or case's index entry (its document is kept).
    #[autosurgeon(missing = "Default::default")]
    pub entry: Option<DocEntry>,
    #[autosurgeon(missing = "Default::default")]
    pub topic: Option<Topic>,
    #[autosurgeon(missing = "Default::default")]
    pub gathering: Option<Gathering>,
}

impl Community {
    /// The title of a listed (not deleted) item, or `None` if the community does not list it.
    pub fn title_of(&self, item: &Item) -> Option<&str> {
        if self.is_deleted(item) {
            return None;
        }
        match item {
            Item::Note(id) => self.notes.get(id).map(|e| e.title.as_str()),
            Item::Case(id) => self.cases.get(id).map(|e| e.title.as_str()),
            Item::Topic(id) => self.topics.get(id).map(|t| t.title.as_str()),
            Item::Gathering(id) => self.gatherings.get(id).map(|g| g.title.as_str()),
        }
    }

    fn require_listed(&self, item: &Item) -> Result<String, ModelError> {
        self.title_of(item)
            .map(str::to_string)
            .ok_or_else(|| item.not_found())
    }

    /// Whether the item carries an archive mark.
    pub fn is_archived(&self, item: &Item) -> bool {
        self.archived.contains_key(&item.key())
    }

    /// Whether the item was deleted (and not restored).
    pub fn is_deleted(&self, item: &Item) -> bool {
        self.deleted.contains_key(&item.key())
    }

    /// Whether a list shows the item: archived ones only when `show_archived`.
    pub fn shows(&self, item: &Item, show_archived: bool) -> bool {
        !self.is_deleted(item) && (show_archived || !self.is_archived(item))
    }

    /// Whether a list in one of its two modes shows the item: by default the items that are not
    /// archived; with `archived_only`, only the archived ones. Deleted items never.
    pub fn listed_as(&self, item: &Item, archived_only: bool) -> bool {
        !self.is_deleted(item) && self.is_archived(item) == archived_only
    }

    /// Renames a topic.
    pub fn rename_topic(
        &mut self,
        id: &TopicId,
        by: &MemberId,
        title: &str,
    ) -> Result<(), ModelError> {
        self.require_member(by)?;
        let title = limits::title("a topic's title", title)?;
        let topic = self
            .topics
            .get_mut(id)
            .ok_or_else(|| ModelError::NoSuchTopic(id.to_string()))?;
        if topic.title != title {
            topic.title = title;
        }
        Ok(())
    }

    /// Archives a listed item; any member may. Returns its title, and false if it was already
    /// archived (nothing changes then).
    pub fn archive(
        &mut self,
        item: &Item,
        by: &MemberId,
        now: Timestamp,
    ) -> Result<(String, bool), ModelError> {
        self.require_member(by)?;
        let title = self.require_listed(item)?;
        if self.is_archived(item) {
            return Ok((title, false));
        }
        self.archived.insert(
            item.key(),
            Archived {
                by: by.clone(),
                at: now,
            },
        );
        Ok((title, true))
    }

    /// Takes an item out of the archive. Returns its title, and false if it was not archived.
    pub fn unarchive(&mut self, item: &Item, by: &MemberId) -> Result<(String, bool), ModelError> {
        self.require_member(by)?;
        let title = self.require_listed(item)?;
        Ok((title, self.archived.remove(&item.key()).is_some()))
    }

    /// Deletes an item for every member: it leaves the lists and a [`Tombstone`] stays behind.
    /// Returns its title.
    pub fn delete(
        &mut self,
        item: &Item,
        by: &MemberId,
        now: Timestamp,
    ) -> Result<String, ModelError> {
        self.require_member(by)?;
        let title = self.require_listed(item)?;
        let mut tombstone = Tombstone {
            title: title.clone(),
            by: by.clone(),
            at: now,
            entry: None,
            topic: None,
            gathering: None,
        };
        match item {
            Item::Note(id) => tombstone.entry = self.notes.remove(id),
            Item::Case(id) => tombstone.entry = self.cases.remove(id),
            Item::Topic(id) => tombstone.topic = self.topics.remove(id),
            Item::Gathering(id) => tombstone.gathering = self.gatherings.remove(id),
        }
        self.archived.remove(&item.key());
        self.deleted.insert(item.key(), tombstone);
        Ok(title)
    }

    /// Puts a deleted item back as it was listed when it was deleted (not archived). Returns its
    /// title.
    pub fn restore_deleted(&mut self, item: &Item, by: &MemberId) -> Result<String, ModelError> {
        self.require_member(by)?;
        let Some(tombstone) = self.deleted.get(&item.key()).cloned() else {
            return Err(ModelError::NotDeleted {
                what: item.kind(),
                id: item.id_str().to_string(),
            });
        };
        let missing = || ModelError::Unreadable(format!("the record of deleted {item} is empty"));
        match item {
            Item::Note(id) => {
                let entry = tombstone.entry.ok_or_else(missing)?;
                self.notes.insert(id.clone(), entry);
            }
            Item::Case(id) => {
                let entry = tombstone.entry.ok_or_else(missing)?;
                self.cases.insert(id.clone(), entry);
            }
            Item::Topic(id) => {
                let topic = tombstone.topic.ok_or_else(missing)?;
                self.topics.insert(id.clone(), topic);
            }
            Item::Gathering(id) => {
                let gathering = tombstone.gathering.ok_or_else(missing)?;
                self.gatherings.insert(id.clone(), gathering);
            }
        }
        self.deleted.remove(&item.key());
        Ok(tombstone.title)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::community::NewTopic;
    use crate::model::{Member, change};

    fn id(s: &str) -> MemberId {
        MemberId::from(s.to_string())
    }

    fn community() -> Community {
        let mut c = Community::new(
            "Gardeners",
            "",
            &id("ada"),
            Member::new("Ada", "", Timestamp(1)).unwrap(),
            Timestamp(1),
        )
        .unwrap();
        c.add_member(id("bo"), Member::new("Bo", "", Timestamp(1)).unwrap());
        c.index(
            DocRef::Note(NoteId::from("n".to_string())),
            DocEntry::new("Soil", id("ada"), Timestamp(2)),
        );
        c.index(
            DocRef::Case(CaseId::from("k".to_string())),
            DocEntry::new("Stuck", id("ada"), Timestamp(2)),
        );
        c.add_topic(
            TopicId::from("t".to_string()),
            &id("ada"),
            &NewTopic {
                title: "Compost".into(),
                ..Default::default()
            },
            Timestamp(3),
        )
        .unwrap();
        c.add_gathering(
            GatheringId::from("g".to_string()),
            &id("ada"),
            Gathering::new("March meetup", Timestamp(100)),
        )
        .unwrap();
        c
    }

    fn items() -> [Item; 4] {
        [
            Item::Note(NoteId::from("n".to_string())),
            Item::Case(CaseId::from("k".to_string())),
            Item::Topic(TopicId::from("t".to_string())),
            Item::Gathering(GatheringId::from("g".to_string())),
        ]
    }

    #[test]
    fn any_member_may_archive_and_unarchive_and_lists_hide_archived_items() {
        for item in items() {
            let mut c = community();
            let (title, changed) = c.archive(&item, &id("bo"), Timestamp(5)).unwrap();
            assert!(changed, "{item}");
            assert!(!c.title_of(&item).unwrap_or_default().is_empty());
            assert!(!title.is_empty());
            assert!(c.is_archived(&item));
            assert!(!c.shows(&item, false), "{item} hidden by default");
            assert!(c.shows(&item, true), "{item} shown with archived");
            assert!(c.listed_as(&item, true) && !c.listed_as(&item, false));
            // Archiving twice changes nothing; the item is still listed in the index.
            assert!(!c.archive(&item, &id("ada"), Timestamp(6)).unwrap().1);
            assert_eq!(c.archived[&item.key()].by, id("bo"));
            assert!(c.unarchive(&item, &id("ada")).unwrap().1);
            assert!(c.shows(&item, false));
            assert!(!c.unarchive(&item, &id("ada")).unwrap().1);
        }
    }

    #[test]
    fn strangers_cannot_archive_or_delete() {
        let mut c = community();
        let note = &items()[0];
        assert_eq!(
            c.archive(note, &id("mallory"), Timestamp(5)),
            Err(ModelError::NotAMember("mallory".into()))
        );
        assert!(c.delete(note, &id("mallory"), Timestamp(5)).is_err());
        assert!(c.shows(note, false));
    }

    #[test]
    fn unknown_items_are_refused_by_name() {
        let mut c = community();
        assert_eq!(
            c.archive(
                &Item::Case(CaseId::from("nope".to_string())),
                &id("ada"),
                Timestamp(5)
            ),
            Err(ModelError::NoSuchCase("nope".into()))
        );
        assert_eq!(
            c.restore_deleted(&items()[2], &id("ada")),
            Err(ModelError::NotDeleted {
                what: "topic",
                id: "t".into()
            })
        );
    }

    #[test]
    fn delete_unlists_leaves_a_tombstone_and_restore_brings_it_back() {
        for item in items() {
            let mut c = community();
            let before = c.clone();
            c.archive(&item, &id("ada"), Timestamp(4)).unwrap();
            let title = c.delete(&item, &id("bo"), Timestamp(5)).unwrap();
            assert!(c.title_of(&item).is_none(), "{item}");
            assert!(!c.shows(&item, true));
            assert!(!c.is_archived(&item), "a deleted item is not also archived");
            let stone = &c.deleted[&item.key()];
            assert_eq!(
                (stone.title.as_str(), &stone.by),
                (title.as_str(), &id("bo"))
            );
            // Deleting again is refused: it is no longer listed.
            assert!(c.delete(&item, &id("ada"), Timestamp(6)).is_err());
            assert!(c.archive(&item, &id("ada"), Timestamp(6)).is_err());
            assert_eq!(c.restore_deleted(&item, &id("ada")).unwrap(), title);
            assert_eq!(c.title_of(&item), before.title_of(&item));
            assert!(c.shows(&item, false));
            assert!(c.deleted.is_empty());
        }
    }

    #[test]
    fn topics_are_renamed_with_the_title_rules() {
        let mut c = community();
        let t = TopicId::from("t".to_string());
        c.rename_topic(&t, &id("bo"), "  Worms ").unwrap();
        assert_eq!(c.topics[&t].title, "Worms");
        assert_eq!(
            c.rename_topic(&t, &id("bo"), " "),
            Err(ModelError::Empty {
                what: "a topic's title"
            })
        );
        assert!(c.rename_topic(&t, &id("mallory"), "Mine").is_err());
    }

    /// A peer that had not seen the delete renames the note and endorses the topic; after the
    /// merge both stay deleted.
    #[test]
    fn a_late_concurrent_edit_does_not_bring_a_deleted_item_back() {
        let mut a = change::create(&community(), "create", Timestamp(1)).unwrap();
        let mut b = a.fork();
        let [note, _, topic, _] = items();
        let doc = note.as_doc().unwrap();
        change::update(&mut a, "delete", Timestamp(5), |c: &mut Community| {
            c.delete(&note, &id("ada"), Timestamp(5))?;
            c.delete(&topic, &id("ada"), Timestamp(5))
        })
        .unwrap();
        change::update(&mut b, "edit", Timestamp(6), |c: &mut Community| {
            c.retitle(&doc, "Soil, revised");
            c.endorse_topic(&TopicId::from("t".to_string()), &id("bo"), Timestamp(6))
        })
        .unwrap();
        a.merge(&mut b).unwrap();
        let merged: Community = change::read(&a).unwrap();
        assert!(merged.entry(&doc).is_none());
        assert!(!merged.shows(&note, true));
        assert!(!merged.shows(&topic, true));
        assert!(merged.title_of(&topic).is_none());
    }

    #[test]
    fn cases_are_renamed_with_the_title_rules() {
        let mut case =
            crate::model::Case::new("Stuck", "the seedlings wilt", &id("ada"), Timestamp(1))
                .unwrap();
        case.rename(" Wilting seedlings ").unwrap();
        assert_eq!(case.title, "Wilting seedlings");
        assert!(case.rename("").is_err());
        assert_eq!(case.title, "Wilting seedlings");
    }

    /// A community written before archive and delete existed reads with no marks.
    #[test]
    fn an_older_community_reads_with_nothing_archived_or_deleted() {
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "name", "Old").unwrap();
        doc.put(automerge::ROOT, "created_at", 5i64).unwrap();
        let c: Community = autosurgeon::hydrate(&doc).unwrap();
        assert!(c.archived.is_empty() && c.deleted.is_empty());
    }

    #[test]
    fn items_print_and_parse_with_their_kind() {
        for item in items() {
            assert_eq!(item.to_string().parse::<Item>().unwrap(), item);
        }
        assert!("shelf/x".parse::<Item>().is_err());
    }
}
