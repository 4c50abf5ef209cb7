//! The community document: purpose, guidelines, roster, topics, gatherings, and the index of
//! the community's note and case documents.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::Serialize;

use crate::model::{
    Archived, Attachment, Case, CaseId, CommunityDevice, DeviceId, DocRef, FileId, Gathering,
    GatheringId, Invite, InviteId, LastChange, Member, MemberId, MemberRole, ModelError, Note,
    NoteId, ProfileUpdate, Record, RecordId, Series, SeriesId, Timestamp, Tombstone, Topic,
    TopicId, TopicStatus, custom_role::CustomRole, limits, text_edit, topic,
};

/// The root document of a community.
#[derive(Clone, Debug, Reconcile, Hydrate)]
pub struct Community {
    pub name: String,
    /// Why the members come together.
    #[autosurgeon(missing = "Default::default")]
    pub purpose: Text,
    /// How they work together.
    #[autosurgeon(missing = "Default::default")]
    pub guidelines: Text,
    pub created_at: Timestamp,
    #[autosurgeon(missing = "Default::default")]
    pub members: BTreeMap<MemberId, Member>,
    #[autosurgeon(missing = "Default::default")]
    pub topics: BTreeMap<TopicId, Topic>,
    #[autosurgeon(missing = "Default::default")]
    pub gatherings: BTreeMap<GatheringId, Gathering>,
    /// Series of gatherings that repeat (see [`crate::model::series`]).
    #[autosurgeon(missing = "Default::default")]
    pub series: BTreeMap<SeriesId, Series>,
    /// Rotating roles the community added (see [`crate::model::custom_role`]), by key.
    #[autosurgeon(missing = "Default::default")]
    pub custom_roles: BTreeMap<String, CustomRole>,
    /// Index of the note documents, so lists need not open every note.
    #[autosurgeon(missing = "Default::default")]
    pub notes: BTreeMap<NoteId, DocEntry>,
    /// Index of the peer-assist case documents.
    #[autosurgeon(missing = "Default::default")]
    pub cases: BTreeMap<CaseId, DocEntry>,
    /// Invites to join, with their limits and who used them (see [`crate::model::invite`]).
    #[autosurgeon(missing = "Default::default")]
    pub invites: BTreeMap<InviteId, Invite>,
    /// Archived items (`note/<id>`, `topic/<id>` …) → who archived them (see
    /// [`crate::model::lifecycle`]).
    #[autosurgeon(missing = "Default::default")]
    pub archived: BTreeMap<String, Archived>,
    /// Deleted items → their tombstones, which keep them out of every list.
    #[autosurgeon(missing = "Default::default")]
    pub deleted: BTreeMap<String, Tombstone>,
    /// Files attached to notes and cases: only their names and content hashes; the bytes
    /// travel separately (see [`crate::model::attachment`]).
    #[autosurgeon(missing = "Default::default")]
    pub files: BTreeMap<FileId, Attachment>,
    /// Always-on devices a steward enrolled (see [`crate::model::community_device`]).
    #[autosurgeon(missing = "Default::default")]
    pub community_devices: BTreeMap<DeviceId, CommunityDevice>,
    /// The governance record (see [`crate::model::governance`]).
    #[autosurgeon(missing = "Default::default")]
    pub records: BTreeMap<RecordId, Record>,
    /// A steward's setting: only stewards make invites. Off (every member may invite) unless
    /// a steward turns it on; communities made before the setting read it as off.
    #[autosurgeon(missing = "Default::default")]
    pub stewards_only_invite: bool,
}

/// What the community index knows of a note or case without opening it.
///
/// `updated_at` and `updated_by` say when the document last changed and who changed it. They
/// are not kept in step by every edit (that would change the community document, which every
/// member loads and syncs, on every keystroke-save): the node learns them from each document's
/// own change log ([`crate::model::last_change`]) and fills them in with
/// [`Community::learn_last_changes`]. What the community document holds for them is the creation
/// time, or what copse versions before this wrote per edit: a fallback only.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct DocEntry {
    pub title: String,
    pub author: MemberId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Who made the last change (`None` while nobody has changed it since it was created).
    #[autosurgeon(missing = "Default::default")]
    pub updated_by: Option<MemberId>,
}

impl DocEntry {
    /// The entry of a document created at `at`.
    pub fn new(title: &str, author: MemberId, at: Timestamp) -> DocEntry {
        DocEntry {
            title: title.to_string(),
            author,
            created_at: at,
            updated_at: at,
            updated_by: None,
        }
    }

    /// Takes in a later change than the entry knows of, made at `at` by `by`.
    pub fn learn(&mut self, at: Timestamp, by: MemberId) {
        if at >= self.updated_at {
            self.updated_at = at;
            self.updated_by = Some(by);
        }
    }
}

/// A document the community lists in its index: a note or a case. Ties the document's type to
/// its id, so one code path serves both.
pub trait Indexed {
    /// The document's id type.
    type Id: Clone + From<String> + Into<DocRef>;

    /// The title its index entry shows.
    fn title(&self) -> &str;
}

impl Indexed for Note {
    type Id = NoteId;

    fn title(&self) -> &str {
        &self.title
    }
}

impl Indexed for Case {
    type Id = CaseId;

    fn title(&self) -> &str {
        &self.title
    }
}

/// What a new topic says.
#[derive(Clone, Debug, Default)]
pub struct NewTopic {
    pub title: String,
    pub description: String,
    pub parent: Option<TopicId>,
}

impl Community {
    /// A community with nothing in it: the base of a partial copy (only the parts an operation
    /// reads) that names the rest by `..Community::empty()`.
    pub(crate) fn empty() -> Community {
        Community {
            name: String::new(),
            purpose: Text::with_value(""),
            guidelines: Text::with_value(""),
            created_at: Timestamp(0),
            members: BTreeMap::new(),
            topics: BTreeMap::new(),
            gatherings: BTreeMap::new(),
            series: BTreeMap::new(),
            custom_roles: BTreeMap::new(),
            notes: BTreeMap::new(),
            cases: BTreeMap::new(),
            invites: BTreeMap::new(),
            archived: BTreeMap::new(),
            deleted: BTreeMap::new(),
            files: BTreeMap::new(),
            community_devices: BTreeMap::new(),
            records: BTreeMap::new(),
            stewards_only_invite: false,
        }
    }

    /// A new community whose founder is its first member and first steward.
    pub fn new(
        name: &str,
        purpose: &str,
        founder: &MemberId,
        founder_profile: Member,
        now: Timestamp,
    ) -> Result<Community, ModelError> {
        Ok(Community {
            name: limits::title("the community's name", name)?,
            purpose: Text::with_value(limits::optional_text(
                "the purpose",
                purpose,
                limits::MAX_SHORT_TEXT_BYTES,
            )?),
            created_at: now,
            members: BTreeMap::from([(
                founder.clone(),
                Member {
                    role: Some(MemberRole::Steward),
                    ..founder_profile
                },
            )]),
            ..Community::empty()
        })
    }

    /// Refuses anyone not on the roster, and readers, who change nothing: every writing
    /// operation asks this of whoever acts.
    pub fn require_member(&self, who: &MemberId) -> Result<&Member, ModelError> {
        let member = self
            .members
            .get(who)
            .ok_or_else(|| ModelError::NotAMember(who.to_string()))?;
        if self.role_of(who) == Some(MemberRole::Reader) {
            return Err(ModelError::ReadersWriteNothing);
        }
        Ok(member)
    }

    /// The member who owns this device, if any.
    pub fn member_for_device(&self, device: &DeviceId) -> Option<&MemberId> {
        self.members
            .iter()
            .find(|(_, m)| m.devices.contains_key(device))
            .map(|(id, _)| id)
    }

    pub fn set_purpose(&mut self, by: &MemberId, purpose: &str) -> Result<(), ModelError> {
        self.require_member(by)?;
        let purpose = limits::optional_text("the purpose", purpose, limits::MAX_SHORT_TEXT_BYTES)?;
        text_edit::splice_to(&mut self.purpose, &purpose);
        Ok(())
    }

    pub fn set_guidelines(&mut self, by: &MemberId, guidelines: &str) -> Result<(), ModelError> {
        self.require_member(by)?;
        let guidelines =
            limits::optional_text("the guidelines", guidelines, limits::MAX_BODY_BYTES)?;
        text_edit::splice_to(&mut self.guidelines, &guidelines);
        Ok(())
    }

    /// Adds a member to the roster (admission is decided by the caller).
    pub fn add_member(&mut self, id: MemberId, member: Member) {
        self.members.entry(id).or_insert(member);
    }

    /// Every device (iroh endpoint id) of every member and every community device: the sync
    /// layer's access list.
    /// Community devices included.
    pub fn authorized_devices(&self) -> BTreeSet<DeviceId> {
        self.members
            .values()
            .flat_map(|m| m.devices.keys().cloned())
            .chain(self.community_devices.keys().cloned())
            .collect()
    }

    /// Changes one's own profile.
    pub fn update_profile(
        &mut self,
        who: &MemberId,
        update: &ProfileUpdate,
    ) -> Result<(), ModelError> {
        self.require_member(who)?;
        self.members
            .get_mut(who)
            .ok_or_else(|| ModelError::NotAMember(who.to_string()))?
            .apply(update)
    }

    /// Proposes a topic; a sub-topic names an existing parent.
    pub fn add_topic(
        &mut self,
        id: TopicId,
        by: &MemberId,
        new: &NewTopic,
        now: Timestamp,
    ) -> Result<TopicId, ModelError> {
        self.require_member(by)?;
        let title = limits::title("a topic's title", &new.title)?;
        let description = limits::optional_text(
            "a topic's description",
            new.description.trim(),
            limits::MAX_SHORT_TEXT_BYTES,
        )?;
        if let Some(parent) = &new.parent {
            topic::check_parent(&self.topics, &id, parent)?;
        }
        self.topics.insert(
            id.clone(),
            Topic {
                title,
                description,
                proposer: by.clone(),
                proposed_at: now,
                status: TopicStatus::Proposed,
                parent: new.parent.clone(),
                endorsements: BTreeMap::new(),
                notes: BTreeMap::new(),
                from_objectives: BTreeMap::new(),
            },
        );
        Ok(id)
    }

    fn topic_mut(&mut self, id: &TopicId) -> Result<&mut Topic, ModelError> {
        self.topics
            .get_mut(id)
            .ok_or_else(|| ModelError::NoSuchTopic(id.to_string()))
    }

    /// Endorses a topic: one endorsement per member. Returns false if `by` already endorsed it.
    pub fn endorse_topic(
        &mut self,
        id: &TopicId,
        by: &MemberId,
        now: Timestamp,
    ) -> Result<bool, ModelError> {
        self.require_member(by)?;
        let topic = self.topic_mut(id)?;
        if topic.endorsed_by(by) {
            return Ok(false);
        }
        topic.endorsements.insert(by.clone(), now);
        Ok(true)
    }

    /// Withdraws one's endorsement. Returns false if there was none.
    pub fn withdraw_endorsement(
        &mut self,
        id: &TopicId,
        by: &MemberId,
    ) -> Result<bool, ModelError> {
        self.require_member(by)?;
        Ok(self.topic_mut(id)?.endorsements.remove(by).is_some())
    }

    pub fn set_topic_status(
        &mut self,
        id: &TopicId,
        by: &MemberId,
        status: TopicStatus,
    ) -> Result<(), ModelError> {
        self.require_member(by)?;
        self.topic_mut(id)?.status = status;
        Ok(())
    }

    /// Links a note of this community to a topic.
    pub fn link_note(
        &mut self,
        id: &TopicId,
        note: &NoteId,
        by: &MemberId,
        now: Timestamp,
    ) -> Result<(), ModelError> {
        self.require_member(by)?;
        if !self.notes.contains_key(note) {
            return Err(ModelError::NoSuchNote(note.to_string()));
        }
        self.topic_mut(id)?.notes.entry(note.clone()).or_insert(now);
        Ok(())
    }

    /// Records a new note or case document in the index.
    pub fn index(&mut self, doc: DocRef, entry: DocEntry) {
        match doc {
            DocRef::Note(id) => self.notes.insert(id, entry),
            DocRef::Case(id) => self.cases.insert(id, entry),
        };
    }

    /// The index entry of a note or case, if the community lists it.
    /// A deleted document has none, even if a late concurrent edit left its entry behind.
    pub fn entry(&self, doc: &DocRef) -> Option<&DocEntry> {
        if self.is_deleted(&doc.clone().into()) {
            return None;
        }
        match doc {
            DocRef::Note(id) => self.notes.get(id),
            DocRef::Case(id) => self.cases.get(id),
        }
    }

    fn entry_mut(&mut self, doc: &DocRef) -> Option<&mut DocEntry> {
        if self.is_deleted(&doc.clone().into()) {
            return None;
        }
        match doc {
            DocRef::Note(id) => self.notes.get_mut(id),
            DocRef::Case(id) => self.cases.get_mut(id),
        }
    }

    /// Keeps a document's index entry titled as the document is: a rename changes the
    /// community, an edit does not. Returns whether the title changed; unlisted documents are
    /// left alone.
    pub fn retitle(&mut self, doc: &DocRef, title: &str) -> bool {
        match self.entry_mut(doc) {
            Some(entry) if entry.title != title => {
                entry.title = title.to_string();
                true
            }
            _ => false,
        }
    }

    /// Fills each index entry's `updated_at`/`updated_by` from what is known of its document's
    /// last change (`known`, by document id), where that is not older than what the entry holds.
    /// The device that made the change is named by its member; a device no longer on the roster
    /// by its id, as a former member.
    pub fn learn_last_changes<'a>(&mut self, known: impl Fn(&str) -> Option<&'a LastChange>) {
        let members: HashMap<&DeviceId, &MemberId> = self
            .members
            .iter()
            .flat_map(|(id, m)| m.devices.keys().map(move |d| (d, id)))
            .collect();
        let entries = self
            .notes
            .iter_mut()
            .map(|(id, e)| (id.as_str(), e))
            .chain(self.cases.iter_mut().map(|(id, e)| (id.as_str(), e)));
        for (id, entry) in entries {
            let Some(last) = known(id) else { continue };
            let by = match &last.device {
                Some(device) => members
                    .get(device)
                    .map_or_else(|| MemberId::from(device.to_string()), |m| (*m).clone()),
                // A change that does not say which device made it: nobody to name.
                None => continue,
            };
            entry.learn(last.at, by);
        }
    }

    /// Plans a gathering. Agenda topics and role holders must exist.
    pub fn add_gathering(
        &mut self,
        id: GatheringId,
        by: &MemberId,
        gathering: Gathering,
    ) -> Result<GatheringId, ModelError> {
        self.require_member(by)?;
        let gathering = Gathering {
            title: limits::title("a gathering's title", &gathering.title)?,
            planned_by: Some(by.clone()),
            ..gathering
        };
        for topic in &gathering.agenda {
            if !self.topics.contains_key(topic) {
                return Err(ModelError::NoSuchTopic(topic.to_string()));
            }
        }
        let roles = &gathering.roles;
        for holder in roles.holders() {
            self.require_member(holder)?;
        }
        self.gatherings.insert(id.clone(), gathering);
        Ok(id)
    }

    /// Topics sorted for display: most endorsed first, then oldest first.
    pub fn topics_by_endorsement(&self) -> Vec<(&TopicId, &Topic)> {
        let mut topics: Vec<_> = self.topics.iter().collect();
        topics.sort_by(|(_, a), (_, b)| {
            b.endorsement_count()
                .cmp(&a.endorsement_count())
                .then(a.proposed_at.cmp(&b.proposed_at))
        });
        topics
    }

    /// A member's display name, or a short form of the id for someone no longer on the roster.
    pub fn display_name(&self, id: &MemberId) -> String {
        match self.members.get(id) {
            Some(m) => m.name.clone(),
            None => format!(
                "former member {}",
                id.as_str().chars().take(8).collect::<String>()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Roles;

    pub(crate) fn community_with(members: &[&str]) -> Community {
        let founder = MemberId::from(members[0].to_string());
        let mut c = Community::new(
            "Gardeners",
            "We grow things",
            &founder,
            Member::new(members[0], members[0], Timestamp(1)).unwrap(),
            Timestamp(1),
        )
        .unwrap();
        for m in &members[1..] {
            c.add_member(
                MemberId::from(m.to_string()),
                Member::new(m, m, Timestamp(2)).unwrap(),
            );
        }
        c
    }

    fn id(s: &str) -> MemberId {
        MemberId::from(s.to_string())
    }

    /// A document written by an older copse (or a peer that omits empty fields) still reads.
    #[test]
    fn a_community_with_only_its_required_fields_reads() {
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "name", "Old").unwrap();
        doc.put(automerge::ROOT, "created_at", 5i64).unwrap();
        let c: Community = autosurgeon::hydrate(&doc).unwrap();
        assert_eq!(c.name, "Old");
        assert!(c.members.is_empty() && c.topics.is_empty() && c.purpose.as_str().is_empty());
    }

    #[test]
    fn endorsement_is_one_per_member() {
        let mut c = community_with(&["ada", "bob"]);
        let t = c
            .add_topic(
                TopicId::from("t1".to_string()),
                &id("ada"),
                &NewTopic {
                    title: "Soil".into(),
                    ..Default::default()
                },
                Timestamp(5),
            )
            .unwrap();
        assert!(c.endorse_topic(&t, &id("bob"), Timestamp(6)).unwrap());
        assert!(!c.endorse_topic(&t, &id("bob"), Timestamp(7)).unwrap());
        assert_eq!(c.topics[&t].endorsement_count(), 1);
        assert!(c.withdraw_endorsement(&t, &id("bob")).unwrap());
        assert_eq!(c.topics[&t].endorsement_count(), 0);
    }

    #[test]
    fn strangers_cannot_act() {
        let mut c = community_with(&["ada"]);
        let err = c
            .add_topic(
                TopicId::new_random(),
                &id("mallory"),
                &NewTopic {
                    title: "x".into(),
                    ..Default::default()
                },
                Timestamp(1),
            )
            .unwrap_err();
        assert_eq!(err, ModelError::NotAMember("mallory".into()));
        assert!(c.set_purpose(&id("mallory"), "mine now").is_err());
    }

    #[test]
    fn sub_topics_need_an_existing_parent_and_no_cycles() {
        let mut c = community_with(&["ada"]);
        let a = TopicId::from("a".to_string());
        let b = TopicId::from("b".to_string());
        c.add_topic(
            a.clone(),
            &id("ada"),
            &NewTopic {
                title: "A".into(),
                ..Default::default()
            },
            Timestamp(1),
        )
        .unwrap();
        let missing = NewTopic {
            title: "B".into(),
            parent: Some(TopicId::from("zzz".to_string())),
            ..Default::default()
        };
        assert_eq!(
            c.add_topic(b.clone(), &id("ada"), &missing, Timestamp(2)),
            Err(ModelError::NoSuchTopic("zzz".into()))
        );
        let child = NewTopic {
            title: "B".into(),
            parent: Some(a.clone()),
            ..Default::default()
        };
        c.add_topic(b.clone(), &id("ada"), &child, Timestamp(2))
            .unwrap();
        assert_eq!(c.topics[&b].parent, Some(a.clone()));
        // Re-adding `a` under its own child would close a loop.
        let looped = NewTopic {
            title: "A".into(),
            parent: Some(b),
            ..Default::default()
        };
        assert_eq!(
            c.add_topic(a, &id("ada"), &looped, Timestamp(3)),
            Err(ModelError::ParentCycle)
        );
    }

    #[test]
    fn empty_titles_are_refused() {
        let mut c = community_with(&["ada"]);
        assert_eq!(
            c.add_topic(
                TopicId::new_random(),
                &id("ada"),
                &NewTopic::default(),
                Timestamp(1)
            ),
            Err(ModelError::Empty {
                what: "a topic's title"
            })
        );
        assert!(
            Community::new(
                "  ",
                "",
                &id("ada"),
                Member::new("Ada", "d", Timestamp(1)).unwrap(),
                Timestamp(1)
            )
            .is_err()
        );
    }

    #[test]
    fn gatherings_check_agenda_and_roles() {
        let mut c = community_with(&["ada", "bob"]);
        let t = c
            .add_topic(
                TopicId::from("t".to_string()),
                &id("ada"),
                &NewTopic {
                    title: "Soil".into(),
                    ..Default::default()
                },
                Timestamp(1),
            )
            .unwrap();
        let mut g = Gathering {
            agenda: vec![t],
            roles: Roles {
                facilitator: Some(id("bob")),
                presenter: None,
                note_taker: Some(id("eve")),
                ..Roles::default()
            },
            ..Gathering::new("March meetup", Timestamp(100))
        };
        assert_eq!(
            c.add_gathering(GatheringId::new_random(), &id("ada"), g.clone()),
            Err(ModelError::NotAMember("eve".into()))
        );
        g.roles.note_taker = Some(id("ada"));
        c.add_gathering(GatheringId::new_random(), &id("ada"), g)
            .unwrap();
        assert_eq!(c.gatherings.len(), 1);
    }

    #[test]
    fn only_stewards_remove_members_and_the_last_can_neither_leave_nor_go() {
        let mut c = community_with(&["ada", "bob", "cy"]);
        assert_eq!(
            c.remove_member(
                RecordId::new_random(),
                &id("mallory"),
                &id("bob"),
                None,
                Timestamp(9)
            ),
            Err(ModelError::NotAMember("mallory".into()))
        );
        // A plain member's attempt is refused with a sentence naming the rule.
        let refused = c
            .remove_member(
                RecordId::new_random(),
                &id("cy"),
                &id("bob"),
                None,
                Timestamp(9),
            )
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "only a steward can remove a member; ask ada"
        );
        assert_eq!(
            c.remove_member(
                RecordId::new_random(),
                &id("ada"),
                &id("zed"),
                None,
                Timestamp(9)
            ),
            Err(ModelError::NotAMember("zed".into()))
        );
        c.remove_member(
            RecordId::from("r".to_string()),
            &id("ada"),
            &id("bob"),
            Some(" spam "),
            Timestamp(9),
        )
        .unwrap();
        assert!(!c.members.contains_key(&id("bob")));
        assert_eq!(c.display_name(&id("bob")), "former member bob");
        let record = &c.records[&RecordId::from("r".to_string())];
        assert_eq!(
            record.sentence(&crate::model::local_time::Zone::utc()),
            "bob removed by ada on 1 Jan 1970 (spam)"
        );
        // Removed members can no longer act.
        assert!(
            c.remove_member(
                RecordId::new_random(),
                &id("bob"),
                &id("ada"),
                None,
                Timestamp(9)
            )
            .is_err()
        );
        // The last steward cannot leave while others remain.
        assert_eq!(
            c.remove_member(
                RecordId::new_random(),
                &id("ada"),
                &id("ada"),
                None,
                Timestamp(9)
            ),
            Err(ModelError::LastSteward)
        );
        // Leaving is removing oneself: a plain member may.
        c.remove_member(
            RecordId::new_random(),
            &id("cy"),
            &id("cy"),
            None,
            Timestamp(9),
        )
        .unwrap();
        assert_eq!(
            c.remove_member(
                RecordId::new_random(),
                &id("ada"),
                &id("ada"),
                None,
                Timestamp(9)
            ),
            Err(ModelError::LastMember)
        );
        assert_eq!(c.members.len(), 1);
        assert_eq!(
            c.records.len(),
            2,
            "the removal and the leaving are on record"
        );
    }

    #[test]
    fn readers_write_nothing() {
        let mut c = community_with(&["ada", "rita"]);
        c.set_role(
            RecordId::new_random(),
            &id("ada"),
            &id("rita"),
            MemberRole::Reader,
            None,
            Timestamp(3),
        )
        .unwrap();
        let refused = c.add_topic(
            TopicId::new_random(),
            &id("rita"),
            &NewTopic {
                title: "Mine".into(),
                ..Default::default()
            },
            Timestamp(4),
        );
        assert_eq!(refused, Err(ModelError::ReadersWriteNothing));
        assert!(c.set_purpose(&id("rita"), "x").is_err());
        assert!(
            c.update_profile(&id("rita"), &ProfileUpdate::default())
                .is_err()
        );
        assert!(c.topics.is_empty());
    }

    #[test]
    fn authorized_devices_are_every_device_of_every_member() {
        let mut c = community_with(&["ada", "bob"]);
        c.members.get_mut(&id("bob")).unwrap().devices.insert(
            DeviceId::from("bob-laptop".to_string()),
            crate::model::Device {
                added_at: Timestamp(3),
                label: None,
            },
        );
        let devices: Vec<String> = c
            .authorized_devices()
            .iter()
            .map(DeviceId::to_string)
            .collect();
        assert_eq!(devices, ["ada", "bob", "bob-laptop"]);
        c.remove_member(
            RecordId::new_random(),
            &id("ada"),
            &id("bob"),
            None,
            Timestamp(9),
        )
        .unwrap();
        let devices: Vec<String> = c
            .authorized_devices()
            .iter()
            .map(DeviceId::to_string)
            .collect();
        assert_eq!(devices, ["ada"]);
    }

    #[test]
    fn linking_needs_a_known_note() {
        let mut c = community_with(&["ada"]);
        let t = c
            .add_topic(
                TopicId::from("t".to_string()),
                &id("ada"),
                &NewTopic {
                    title: "Soil".into(),
                    ..Default::default()
                },
                Timestamp(1),
            )
            .unwrap();
        let n = NoteId::from("n1".to_string());
        assert!(c.link_note(&t, &n, &id("ada"), Timestamp(2)).is_err());
        c.index(
            DocRef::Note(n.clone()),
            DocEntry {
                title: "Notes".into(),
                author: id("ada"),
                created_at: Timestamp(2),
                updated_at: Timestamp(2),
                updated_by: None,
            },
        );
        c.link_note(&t, &n, &id("ada"), Timestamp(3)).unwrap();
        assert!(c.topics[&t].notes.contains_key(&n));
    }

    #[test]
    fn index_lists_notes_and_cases_each_in_its_own_map() {
        let mut c = community_with(&["ada"]);
        let note = DocRef::Note(NoteId::from("n".to_string()));
        let case = DocRef::Case(CaseId::from("k".to_string()));
        c.index(note.clone(), DocEntry::new("Soil", id("ada"), Timestamp(2)));
        c.index(
            case.clone(),
            DocEntry::new("Stuck", id("ada"), Timestamp(3)),
        );
        assert_eq!(c.notes.len(), 1);
        assert_eq!(c.cases.len(), 1);
        assert_eq!(c.entry(&note).map(|e| e.title.as_str()), Some("Soil"));
        assert_eq!(c.entry(&case).map(|e| e.title.as_str()), Some("Stuck"));
        // The same id under the other kind is a different document.
        assert!(
            c.entry(&DocRef::Case(CaseId::from("n".to_string())))
                .is_none()
        );
    }

    #[test]
    fn retitle_keeps_the_title_in_step_for_both_kinds() {
        for doc in [
            DocRef::Note(NoteId::from("n".to_string())),
            DocRef::Case(CaseId::from("k".to_string())),
        ] {
            let mut c = community_with(&["ada", "bo"]);
            c.index(doc.clone(), DocEntry::new("Old", id("ada"), Timestamp(10)));
            assert!(c.retitle(&doc, "New"), "{doc}");
            assert!(!c.retitle(&doc, "New"), "the same title is no change");
            let entry = c.entry(&doc).unwrap();
            assert_eq!(entry.title, "New");
            assert_eq!(
                (entry.updated_at, entry.updated_by.clone()),
                (Timestamp(10), None)
            );
        }
    }

    #[test]
    fn last_changes_name_the_member_and_never_go_back() {
        let mut c = community_with(&["ada", "bo"]);
        let (note, case) = (NoteId::from("n".to_string()), CaseId::from("k".to_string()));
        c.index(
            DocRef::Note(note.clone()),
            DocEntry::new("N", id("ada"), Timestamp(10)),
        );
        c.index(
            DocRef::Case(case.clone()),
            DocEntry::new("K", id("ada"), Timestamp(30)),
        );
        // Bo's device is named "bo" in `community_with`; a stranger's device names a former
        // member; an older change than the entry's own time is no news.
        let known = HashMap::from([
            (
                "n".to_string(),
                LastChange {
                    at: Timestamp(20),
                    device: Some(DeviceId::from("bo".to_string())),
                },
            ),
            (
                "k".to_string(),
                LastChange {
                    at: Timestamp(25),
                    device: Some(DeviceId::from("gone".to_string())),
                },
            ),
        ]);
        c.learn_last_changes(|doc| known.get(doc));
        assert_eq!(c.notes[&note].updated_at, Timestamp(20));
        assert_eq!(c.notes[&note].updated_by, Some(id("bo")));
        assert_eq!(c.cases[&case].updated_at, Timestamp(30));
        assert_eq!(c.cases[&case].updated_by, None);
    }

    #[test]
    fn retitling_an_unlisted_document_changes_nothing() {
        let mut c = community_with(&["ada"]);
        assert!(!c.retitle(&DocRef::Case(CaseId::from("gone".to_string())), "T"));
        assert!(c.notes.is_empty() && c.cases.is_empty());
    }
}
