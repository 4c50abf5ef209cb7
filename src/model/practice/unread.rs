//! "What's new since I last looked": notes, cases, topics and gatherings that someone else
//! changed (edited, commented on, proposed, endorsed, planned) after this device last looked.
//!
//! When an item was last looked at is kept per device (the node stores it locally, never
//! synced) as [`ReadMarks`]. An item never opened counts from when the member joined, so a
//! newcomer is not greeted by the whole archive marked new. Deleted items are never new;
//! archived ones are, since their own list can show them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Community, DocEntry, DocRef, Item, MemberId, Timestamp, Topic};

/// When each item was last looked at on this device.
pub type ReadMarks = BTreeMap<Item, Timestamp>;

/// An item changed by someone else since this device last looked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unread {
    /// The note, case, topic or gathering (in JSON, its `kind` and `id`).
    #[serde(flatten)]
    pub item: Item,
    pub title: String,
    pub updated_at: Timestamp,
    /// Who changed it last.
    pub by: MemberId,
}

impl Unread {
    /// The note or case, when it is one.
    pub fn doc(&self) -> Option<DocRef> {
        self.item.as_doc()
    }
}

/// Whether the entry was changed by someone other than `me` after `since`.
fn changed_by_others(entry: &DocEntry, me: &MemberId, since: Timestamp) -> Option<MemberId> {
    let by = entry.updated_by.as_ref().unwrap_or(&entry.author);
    (by != me && entry.updated_at > since).then(|| by.clone())
}

/// A topic's latest change by someone other than `me`: its proposal or an endorsement.
pub fn topic_changed_by_others(topic: &Topic, me: &MemberId) -> Option<(Timestamp, MemberId)> {
    std::iter::once((topic.proposed_at, &topic.proposer))
        .chain(topic.endorsements.iter().map(|(who, at)| (*at, who)))
        .filter(|(_, who)| *who != me)
        .max()
        .map(|(at, who)| (at, who.clone()))
}

/// When a topic last changed in a way "new since you looked" tracks, by anyone.
pub fn topic_changed_at(topic: &Topic) -> Timestamp {
    topic
        .endorsements
        .values()
        .copied()
        .chain([topic.proposed_at])
        .max()
        .unwrap_or(topic.proposed_at)
}

/// The marks that say every listed topic has been looked at as it is now (shown by the topics
/// list, in the window or the CLI).
pub fn topic_marks(community: &Community) -> Vec<(Item, Timestamp)> {
    community
        .topics
        .iter()
        .map(|(id, t)| (Item::Topic(id.clone()), topic_changed_at(t)))
        .collect()
}

/// The marks that say every gathering has been looked at as it is now.
pub fn gathering_marks(community: &Community) -> Vec<(Item, Timestamp)> {
    community
        .gatherings
        .iter()
        .filter_map(|(id, g)| Some((Item::Gathering(id.clone()), g.planned_at?)))
        .collect()
}

/// The unread items, newest first.
pub fn unread(community: &Community, me: &MemberId, marks: &ReadMarks) -> Vec<Unread> {
    let joined = community
        .members
        .get(me)
        .map_or(Timestamp(i64::MAX), |m| m.joined_at);
    let since = |item: &Item| marks.get(item).copied().unwrap_or(joined);
    let notes = community
        .notes
        .iter()
        .map(|(id, e)| (Item::Note(id.clone()), e));
    let cases = community
        .cases
        .iter()
        .map(|(id, e)| (Item::Case(id.clone()), e));
    let docs = notes.chain(cases).filter_map(|(item, entry)| {
        let by = changed_by_others(entry, me, since(&item))?;
        Some(Unread {
            title: entry.title.clone(),
            updated_at: entry.updated_at,
            by,
            item,
        })
    });
    let topics = community.topics.iter().filter_map(|(id, topic)| {
        let item = Item::Topic(id.clone());
        let (at, by) = topic_changed_by_others(topic, me).filter(|(at, _)| *at > since(&item))?;
        Some(Unread {
            title: topic.title.clone(),
            updated_at: at,
            by,
            item,
        })
    });
    let gatherings = community.gatherings.iter().filter_map(|(id, g)| {
        let item = Item::Gathering(id.clone());
        let (by, at) = (g.planned_by.as_ref()?, g.planned_at?);
        (by != me && at > since(&item)).then(|| Unread {
            title: g.title.clone(),
            updated_at: at,
            by: by.clone(),
            item,
        })
    });
    let mut out: Vec<Unread> = docs
        .chain(topics)
        .chain(gatherings)
        .filter(|u| !community.is_deleted(&u.item))
        .collect();
    out.sort_by(|a, b| {
        b.updated_at
            .cmp(&a.updated_at)
            .then(a.item.id_str().cmp(b.item.id_str()))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::community::NewTopic;
    use crate::model::{CaseId, Gathering, GatheringId, Member, NoteId, TopicId};

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
        let marks =
            ReadMarks::from([(Item::Note(NoteId::from("read".to_string())), Timestamp(450))]);
        let titles: Vec<_> = unread(&c, &id("ada"), &marks)
            .into_iter()
            .map(|u| (u.item.kind(), u.title))
            .collect();
        assert_eq!(
            titles,
            vec![("case", "Case".to_string()), ("note", "New".to_string())]
        );
    }

    #[test]
    fn a_later_change_after_looking_is_new_again() {
        let c = community();
        let marks =
            ReadMarks::from([(Item::Note(NoteId::from("read".to_string())), Timestamp(399))]);
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
            item: Item::Note(NoteId::from("n1".to_string())),
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

    /// Topics proposed or endorsed by others, and gatherings others planned, are new until
    /// looked at; one's own are not, and a deleted topic is never new.
    #[test]
    fn topics_and_gatherings_by_others_are_new_until_looked_at() {
        let mut c = community();
        let topic = |c: &mut Community, by: &str, title: &str, at: i64| {
            let t = TopicId::from(format!("t-{title}"));
            c.add_topic(
                t.clone(),
                &id(by),
                &NewTopic {
                    title: title.into(),
                    description: String::new(),
                    parent: None,
                },
                Timestamp(at),
            )
            .unwrap();
            t
        };
        let bos = topic(&mut c, "bo", "Mulch", 200);
        let adas = topic(&mut c, "ada", "Seeds", 210);
        topic(&mut c, "bo", "Before Ada came", 50);
        let gone = topic(&mut c, "bo", "Deleted", 220);
        c.delete(&Item::Topic(gone), &id("ada"), Timestamp(230))
            .unwrap();
        c.gatherings.insert(
            GatheringId::from("g".to_string()),
            Gathering {
                planned_by: Some(id("bo")),
                planned_at: Some(Timestamp(600)),
                ..Gathering::new("Gathering", Timestamp(10_000))
            },
        );
        let new = |c: &Community, marks: &ReadMarks| -> Vec<String> {
            unread(c, &id("ada"), marks)
                .into_iter()
                .filter(|u| matches!(u.item, Item::Topic(_) | Item::Gathering(_)))
                .map(|u| format!("{} {} by {}", u.item.kind(), u.title, u.by))
                .collect()
        };
        assert_eq!(
            new(&c, &ReadMarks::new()),
            vec!["gathering Gathering by bo", "topic Mulch by bo"]
        );
        // Looked at: no longer new. Bo endorsing Ada's own topic afterwards makes it new.
        let mut marks = ReadMarks::from([
            (Item::Topic(bos.clone()), Timestamp(200)),
            (Item::Topic(adas.clone()), Timestamp(210)),
            (
                Item::Gathering(GatheringId::from("g".to_string())),
                Timestamp(600),
            ),
        ]);
        assert!(new(&c, &marks).is_empty());
        c.endorse_topic(&adas, &id("bo"), Timestamp(700)).unwrap();
        assert_eq!(new(&c, &marks), vec!["topic Seeds by bo"]);
        marks.insert(Item::Topic(adas), Timestamp(700));
        // Ada's own endorsement is not news to her.
        c.endorse_topic(&bos, &id("ada"), Timestamp(800)).unwrap();
        assert!(new(&c, &marks).is_empty());
    }
}
