//! Reading and changing a few entries of the community document without reading or writing the
//! rest, so that endorsing a topic or listing a new note costs the same in a community of fifty
//! topics as in one of five thousand.
//!
//! An operation names its [`Scope`]: the top-level maps it needs whole, and the entries of
//! others it reads or writes. [`update`] hydrates only those into an otherwise empty
//! [`Community`], runs the model method on it as [`change::update`] would, and reconciles only
//! those entries back, inside one Automerge transaction. Anything the method changed outside its
//! scope refuses the whole change, so a forgotten entry shows up as an error, never as lost data.
//!
//! Beside it, the reads every operation needs ([`member_for_device`], [`listed_title`]) without
//! hydrating the community.
//!
//! [`change::update`]: crate::model::change::update

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, ObjId, ObjType, ReadDoc, Value};
use autosurgeon::{Hydrate, Reconcile};

use crate::model::{
    Community, DeviceId, DocRef, Item, MemberId, ModelError, Timestamp, TopicId, change,
};

/// A top-level map of the community document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Members,
    Topics,
    Gatherings,
    Notes,
    Cases,
    Invites,
    Archived,
    Deleted,
}

impl Part {
    const ALL: [Part; 8] = [
        Part::Members,
        Part::Topics,
        Part::Gatherings,
        Part::Notes,
        Part::Cases,
        Part::Invites,
        Part::Archived,
        Part::Deleted,
    ];

    /// The field's name in the document (as autosurgeon writes it).
    pub fn key(self) -> &'static str {
        match self {
            Part::Members => "members",
            Part::Topics => "topics",
            Part::Gatherings => "gatherings",
            Part::Notes => "notes",
            Part::Cases => "cases",
            Part::Invites => "invites",
            Part::Archived => "archived",
            Part::Deleted => "deleted",
        }
    }
}

/// What an operation reads and may change: whole maps, and single entries of others.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    whole: BTreeSet<Part>,
    entries: BTreeMap<Part, BTreeSet<String>>,
}

impl Scope {
    pub fn new() -> Scope {
        Scope::default()
    }

    /// The whole map.
    pub fn whole(mut self, part: Part) -> Scope {
        self.whole.insert(part);
        self
    }

    /// One entry of a map, whether it exists yet or not.
    pub fn entry(mut self, part: Part, key: impl AsRef<str>) -> Scope {
        self.entries
            .entry(part)
            .or_default()
            .insert(key.as_ref().to_string());
        self
    }

    /// A note's or case's index entry, and its tombstone (a deleted one has no entry).
    pub fn indexed(self, doc: &DocRef) -> Scope {
        let part = match doc {
            DocRef::Note(_) => Part::Notes,
            DocRef::Case(_) => Part::Cases,
        };
        let tombstone = Item::from(doc.clone()).key();
        self.entry(part, doc.id_str())
            .entry(Part::Deleted, tombstone)
    }

    /// A member's roster entry.
    pub fn member(self, member: &MemberId) -> Scope {
        self.entry(Part::Members, member)
    }

    /// A topic and each of its ancestors as the document has them now, for rules that walk
    /// up the tree (a sub-topic's parent must exist, and no loop).
    pub fn topic_with_ancestors(mut self, doc: &impl ReadDoc, topic: &TopicId) -> Scope {
        let topics = map_obj(doc, Part::Topics);
        let mut cursor = Some(topic.to_string());
        // Bounded: a loop already in the data cannot spin forever.
        for _ in 0..MAX_ANCESTORS {
            let Some(current) = cursor.take() else { break };
            if !self.has_entry(Part::Topics, &current) {
                cursor = topics
                    .as_ref()
                    .and_then(|t| string_at(doc, t, &current, "parent"));
            }
            self = self.entry(Part::Topics, current);
        }
        self
    }

    fn has_entry(&self, part: Part, key: &str) -> bool {
        self.entries.get(&part).is_some_and(|k| k.contains(key))
    }
}

/// How deep a topic tree [`Scope::topic_with_ancestors`] follows.
const MAX_ANCESTORS: usize = 64;

/// Applies `f` to the parts of the community in `scope` and records the result as one change,
/// with `message` and `now` in its metadata. Nothing is written when `f` refuses, or when it
/// changed anything outside `scope`.
pub fn update<R>(
    doc: &mut Automerge,
    message: &str,
    now: Timestamp,
    scope: &Scope,
    f: impl FnOnce(&mut Community) -> Result<R, ModelError>,
) -> Result<R, ModelError> {
    change::transact(doc, message, now, |tx| {
        let mut community = Community::empty();
        for part in Part::ALL {
            load(tx, scope, part, &mut community)?;
        }
        let result = f(&mut community)?;
        if !untouched_outside_parts(&community) {
            return Err(outside_scope("the community's name, purpose or guidelines"));
        }
        for part in Part::ALL {
            store(tx, scope, part, &mut community)?;
        }
        Ok(result)
    })
}

/// The member `device` belongs to, read without hydrating the roster: most members' id is their
/// first device's, so that entry is looked at first.
pub fn member_for_device(doc: &impl ReadDoc, device: &DeviceId) -> Option<MemberId> {
    let members = map_obj(doc, Part::Members)?;
    let has_device = |member: &str| {
        let Ok(Some((Value::Object(ObjType::Map), m))) = doc.get(&members, member) else {
            return false;
        };
        matches!(doc.get(&m, "devices"), Ok(Some((Value::Object(ObjType::Map), d)))
            if matches!(doc.get(&d, device.as_str()), Ok(Some(_))))
    };
    if has_device(device.as_str()) {
        return Some(MemberId::from(device.to_string()));
    }
    doc.keys(&members)
        .find(|m| has_device(m))
        .map(MemberId::from)
}

/// Whether the roster lists `member` as a reader, read without hydrating the roster. (Only a
/// stored role can be reader: a member without one is a steward or a member.)
pub fn is_reader(doc: &impl ReadDoc, member: &MemberId) -> bool {
    let Some(members) = map_obj(doc, Part::Members) else {
        return false;
    };
    let Ok(Some((Value::Object(ObjType::Map), m))) = doc.get(&members, member.as_str()) else {
        return false;
    };
    matches!(doc.get(&m, "role"), Ok(Some((Value::Scalar(s), _)))
        if s.as_str().is_some_and(|r| r.eq_ignore_ascii_case("reader")))
}

/// Whether the roster lists `member`.
pub fn is_member(doc: &impl ReadDoc, member: &MemberId) -> bool {
    map_obj(doc, Part::Members).is_some_and(|m| matches!(doc.get(&m, member.as_str()), Ok(Some(_))))
}

/// The title of a note's or case's index entry, if the community lists it (and it is not
/// deleted): [`Community::entry`] without hydrating the community.
pub fn listed_title(doc: &impl ReadDoc, listed: &DocRef) -> Option<String> {
    let deleted = map_obj(doc, Part::Deleted).is_some_and(|d| {
        matches!(
            doc.get(&d, Item::from(listed.clone()).key().as_str()),
            Ok(Some(_))
        )
    });
    if deleted {
        return None;
    }
    let part = match listed {
        DocRef::Note(_) => Part::Notes,
        DocRef::Case(_) => Part::Cases,
    };
    let index = map_obj(doc, part)?;
    string_at(doc, &index, listed.id_str(), "title")
}

/// The top-level map of `part`, if the document has one.
fn map_obj(doc: &impl ReadDoc, part: Part) -> Option<ObjId> {
    match doc.get(automerge::ROOT, part.key()) {
        Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
        _ => None,
    }
}

/// The text at `map[key][field]`, if it is a string.
fn string_at(doc: &impl ReadDoc, map: &ObjId, key: &str, field: &str) -> Option<String> {
    let Ok(Some((Value::Object(ObjType::Map), entry))) = doc.get(map, key) else {
        return None;
    };
    match doc.get(&entry, field) {
        Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_string),
        _ => None,
    }
}

fn untouched_outside_parts(c: &Community) -> bool {
    c.name.is_empty()
        && c.purpose.as_str().is_empty()
        && c.guidelines.as_str().is_empty()
        && c.created_at == Timestamp(0)
        && c.community_devices.is_empty()
        && c.records.is_empty()
}

fn outside_scope(what: &str) -> ModelError {
    ModelError::Unwritable(format!(
        "an operation changed {what}, outside what it said it would change"
    ))
}

/// One of the community's maps, whatever its key and value types.
trait PartMap {
    fn load_whole(&mut self, doc: &Transaction<'_>) -> Result<(), ModelError>;
    fn load_entry(
        &mut self,
        doc: &Transaction<'_>,
        map: &ObjId,
        key: &str,
    ) -> Result<(), ModelError>;
    fn store_whole(&self, tx: &mut Transaction<'_>) -> Result<(), ModelError>;
    fn store_entry(
        &self,
        tx: &mut Transaction<'_>,
        map: &ObjId,
        key: &str,
    ) -> Result<(), ModelError>;
    fn has_keys_outside(&self, keys: &BTreeSet<String>) -> bool;
    fn is_empty(&self) -> bool;
}

impl<K, V> PartMap for (Part, &mut BTreeMap<K, V>)
where
    K: Ord + AsRef<str> + From<String>,
    V: Hydrate + Reconcile,
    BTreeMap<K, V>: Hydrate + Reconcile,
{
    fn load_whole(&mut self, doc: &Transaction<'_>) -> Result<(), ModelError> {
        let whole: Option<BTreeMap<K, V>> =
            autosurgeon::hydrate_prop(doc, automerge::ROOT, self.0.key())?;
        *self.1 = whole.unwrap_or_default();
        Ok(())
    }

    fn load_entry(
        &mut self,
        doc: &Transaction<'_>,
        map: &ObjId,
        key: &str,
    ) -> Result<(), ModelError> {
        // An entry that does not exist yet is simply not there (autosurgeon's `Option` wants
        // an explicit null).
        if matches!(doc.get(map, key), Ok(Some(_))) {
            let value: V = autosurgeon::hydrate_prop(doc, map, key)?;
            self.1.insert(K::from(key.to_string()), value);
        }
        Ok(())
    }

    fn store_whole(&self, tx: &mut Transaction<'_>) -> Result<(), ModelError> {
        autosurgeon::reconcile_prop(tx, automerge::ROOT, self.0.key(), &*self.1)?;
        Ok(())
    }

    fn store_entry(
        &self,
        tx: &mut Transaction<'_>,
        map: &ObjId,
        key: &str,
    ) -> Result<(), ModelError> {
        match self.1.get(&K::from(key.to_string())) {
            Some(value) => autosurgeon::reconcile_prop(tx, map, key, value)?,
            None => {
                if matches!(tx.get(map, key), Ok(Some(_))) {
                    tx.delete(map, key)
                        .map_err(|e| ModelError::Unwritable(e.to_string()))?;
                }
            }
        }
        Ok(())
    }

    fn has_keys_outside(&self, keys: &BTreeSet<String>) -> bool {
        self.1.keys().any(|k| !keys.contains(k.as_ref()))
    }

    fn is_empty(&self) -> bool {
        self.1.is_empty()
    }
}

fn with_part<T>(c: &mut Community, part: Part, f: impl FnOnce(&mut dyn PartMap) -> T) -> T {
    match part {
        Part::Members => f(&mut (part, &mut c.members)),
        Part::Topics => f(&mut (part, &mut c.topics)),
        Part::Gatherings => f(&mut (part, &mut c.gatherings)),
        Part::Notes => f(&mut (part, &mut c.notes)),
        Part::Cases => f(&mut (part, &mut c.cases)),
        Part::Invites => f(&mut (part, &mut c.invites)),
        Part::Archived => f(&mut (part, &mut c.archived)),
        Part::Deleted => f(&mut (part, &mut c.deleted)),
    }
}

fn load(
    tx: &Transaction<'_>,
    scope: &Scope,
    part: Part,
    c: &mut Community,
) -> Result<(), ModelError> {
    if scope.whole.contains(&part) {
        return with_part(c, part, |m| m.load_whole(tx));
    }
    let (Some(keys), Some(map)) = (scope.entries.get(&part), map_obj(tx, part)) else {
        return Ok(());
    };
    with_part(c, part, |m| {
        keys.iter().try_for_each(|key| m.load_entry(tx, &map, key))
    })
}

fn store(
    tx: &mut Transaction<'_>,
    scope: &Scope,
    part: Part,
    c: &mut Community,
) -> Result<(), ModelError> {
    if scope.whole.contains(&part) {
        return with_part(c, part, |m| m.store_whole(tx));
    }
    let none = BTreeSet::new();
    let keys = scope.entries.get(&part).unwrap_or(&none);
    if with_part(c, part, |m| m.has_keys_outside(keys)) {
        return Err(outside_scope(part.key()));
    }
    // A document from before the map existed gets it only when there is something to put in it.
    if with_part(c, part, |m| m.is_empty()) && map_obj(&*tx, part).is_none() {
        return Ok(());
    }
    let map = match map_obj(&*tx, part) {
        Some(map) => map,
        None => tx
            .put_object(automerge::ROOT, part.key(), ObjType::Map)
            .map_err(|e| ModelError::Unwritable(e.to_string()))?,
    };
    with_part(c, part, |m| {
        keys.iter().try_for_each(|key| m.store_entry(tx, &map, key))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::community::NewTopic;
    use crate::model::{DocEntry, Member, NoteId, change};

    fn id(s: &str) -> MemberId {
        MemberId::from(s.to_string())
    }

    fn community() -> Automerge {
        let mut c = Community::new(
            "Gardeners",
            "Grow",
            &id("ada"),
            Member::new("Ada", "ada", Timestamp(1)).unwrap(),
            Timestamp(1),
        )
        .unwrap();
        c.add_member(
            id("bo"),
            Member::new("Bo", "bo-laptop", Timestamp(2)).unwrap(),
        );
        for t in ["a", "b", "c"] {
            let parent = (t != "a").then(|| TopicId::from("a".to_string()));
            c.add_topic(
                TopicId::from(t.to_string()),
                &id("ada"),
                &NewTopic {
                    title: t.to_uppercase(),
                    parent,
                    ..Default::default()
                },
                Timestamp(3),
            )
            .unwrap();
        }
        change::create(&c, "create", Timestamp(1)).unwrap()
    }

    fn topic(t: &str) -> TopicId {
        TopicId::from(t.to_string())
    }

    /// The same operation, scoped and whole, leaves the same community.
    #[test]
    fn a_scoped_change_equals_the_whole_one() {
        let mut scoped = community();
        let mut whole = scoped.fork();
        let endorse = |c: &mut Community| c.endorse_topic(&topic("b"), &id("bo"), Timestamp(9));
        let scope = Scope::new().member(&id("bo")).entry(Part::Topics, "b");
        assert!(update(&mut scoped, "endorse", Timestamp(9), &scope, endorse).unwrap());
        assert!(change::update(&mut whole, "endorse", Timestamp(9), endorse).unwrap());
        let (scoped, whole): (Community, Community) = (
            change::read(&scoped).unwrap(),
            change::read(&whole).unwrap(),
        );
        assert_eq!(scoped.topics, whole.topics);
        assert_eq!(scoped.members, whole.members);
        assert_eq!(scoped.topics[&topic("b")].endorsement_count(), 1);
    }

    #[test]
    fn the_rules_still_refuse() {
        let mut doc = community();
        let scope = Scope::new().member(&id("eve")).entry(Part::Topics, "b");
        assert_eq!(
            update(&mut doc, "endorse", Timestamp(9), &scope, |c| {
                c.endorse_topic(&topic("b"), &id("eve"), Timestamp(9))
            }),
            Err(ModelError::NotAMember("eve".into()))
        );
        // A sub-topic under a parent that does not exist is refused; under one that does, the
        // ancestors in scope are what the rule walks.
        let new = |parent: &str| NewTopic {
            title: "D".into(),
            parent: Some(topic(parent)),
            ..Default::default()
        };
        let scope = |doc: &Automerge, parent: &str| {
            Scope::new()
                .member(&id("ada"))
                .entry(Part::Topics, "d")
                .topic_with_ancestors(doc, &topic(parent))
        };
        let s = scope(&doc, "zzz");
        assert_eq!(
            update(&mut doc, "add", Timestamp(9), &s, |c| {
                c.add_topic(topic("d"), &id("ada"), &new("zzz"), Timestamp(9))
            }),
            Err(ModelError::NoSuchTopic("zzz".into()))
        );
        let s = scope(&doc, "b");
        update(&mut doc, "add", Timestamp(9), &s, |c| {
            c.add_topic(topic("d"), &id("ada"), &new("b"), Timestamp(9))
        })
        .unwrap();
        let after: Community = change::read(&doc).unwrap();
        assert_eq!(after.topics.len(), 4);
        assert_eq!(after.topics[&topic("d")].parent, Some(topic("b")));
        assert_eq!(
            after.name, "Gardeners",
            "what was not in scope is as it was"
        );
    }

    #[test]
    fn a_change_outside_the_scope_is_refused_and_writes_nothing() {
        let mut doc = community();
        let heads = doc.get_heads();
        let scope = Scope::new().member(&id("ada"));
        let err = update(&mut doc, "sneak", Timestamp(9), &scope, |c| {
            c.index(
                DocRef::Note(NoteId::from("n".to_string())),
                DocEntry::new("N", id("ada"), Timestamp(9)),
            );
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(err, ModelError::Unwritable(_)), "{err}");
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn reads_without_hydrating() {
        let mut doc = community();
        assert_eq!(
            member_for_device(&doc, &DeviceId::from("ada".to_string())),
            Some(id("ada"))
        );
        assert_eq!(
            member_for_device(&doc, &DeviceId::from("bo-laptop".to_string())),
            Some(id("bo"))
        );
        assert_eq!(
            member_for_device(&doc, &DeviceId::from("eve".to_string())),
            None
        );
        assert!(is_member(&doc, &id("bo")) && !is_member(&doc, &id("eve")));
        let note = DocRef::Note(NoteId::from("n".to_string()));
        assert_eq!(listed_title(&doc, &note), None);
        let scope = Scope::new().indexed(&note);
        update(&mut doc, "index", Timestamp(9), &scope, |c| {
            c.index(note.clone(), DocEntry::new("Soil", id("ada"), Timestamp(9)));
            Ok(())
        })
        .unwrap();
        assert_eq!(listed_title(&doc, &note).as_deref(), Some("Soil"));
        change::update(&mut doc, "delete", Timestamp(10), |c: &mut Community| {
            c.delete(&Item::from(note.clone()), &id("ada"), Timestamp(10))
        })
        .unwrap();
        assert_eq!(
            listed_title(&doc, &note),
            None,
            "a deleted note is not listed"
        );
    }
}
