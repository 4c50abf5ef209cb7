//! What members do, as async methods on [`Node`]: communities, notes, topics, cases, profiles.
//!
//! Each method checks ids, runs the model operation on the right document, and keeps the
//! community's index of notes and cases in step.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::watch;

use super::{Node, NodeError, Snapshot, lock};
use crate::model::community::Indexed;
use crate::model::community::NewTopic;
use crate::model::community_parts::{self, Part, Scope};
use crate::model::{
    ActionId, Case, CaseId, CommentId, Community, CommunityId, DocEntry, DocKind, DocRef, Member,
    MemberId, ModelError, Note, NoteEdit, NoteId, Phase, ProfileUpdate, QuestionId, SuggestionId,
    Timestamp, TopicId, TopicStatus,
};

const COMMUNITY_KEY_PREFIX: &str = "community/";

/// A community this data folder holds, for the switcher and `copse communities`.
#[derive(Clone, Debug, Serialize)]
pub struct CommunitySummary {
    pub id: CommunityId,
    pub name: String,
    pub members: usize,
    pub notes: usize,
    pub topics: usize,
    pub cases: usize,
}

/// Who this device is in a community.
#[derive(Clone, Debug, Serialize)]
pub struct WhoAmI {
    pub community: CommunityId,
    pub member: MemberId,
    pub name: Option<String>,
}

impl Node {
    // ---- communities ----------------------------------------------------------------------

    /// Changes the community as this device's member, at the node's "now": the shape of every
    /// roster, topic and lifecycle operation. `f` gets the community, me and the time.
    pub(super) async fn change_as_member<R: Send + 'static>(
        &self,
        community: &CommunityId,
        message: &'static str,
        f: impl FnOnce(&mut Community, &MemberId, Timestamp) -> Result<R, crate::model::ModelError>
        + Send
        + 'static,
    ) -> Result<R, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        self.update(community, message, move |c: &mut Community| f(c, &me, now))
            .await
    }

    /// Changes only the entries of the community in the scope `scope` names (given the
    /// document and me), as this device's member at the node's "now": the cost is that of those
    /// entries, whatever the community's size (see [`community_parts`]).
    pub(super) async fn change_parts_as_member<R: Send + 'static>(
        &self,
        community: &CommunityId,
        message: &'static str,
        scope: impl FnOnce(&automerge::Automerge, &MemberId) -> Scope + Send + 'static,
        f: impl FnOnce(&mut Community, &MemberId, Timestamp) -> Result<R, crate::model::ModelError>
        + Send
        + 'static,
    ) -> Result<R, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        self.change_document(community, message, move |doc, message, at| {
            let scope = scope(doc, &me).member(&me);
            community_parts::update(doc, message, at, &scope, |c| f(c, &me, now))
        })
        .await
    }

    /// Creates a community with this device's person as its first member.
    pub async fn create_community(
        &self,
        name: &str,
        purpose: &str,
        my_name: &str,
    ) -> Result<CommunityId, NodeError> {
        let at = self.now();
        let me = MemberId::from(self.device_id().to_string());
        let founder = Member::new(my_name, self.device_id(), at)?;
        let community = Community::new(name, purpose, &me, founder, at)?;
        let id = CommunityId::from(self.create(&community, "create community").await?);
        // Only a community that is on disk is remembered: a crash in between leaves nothing.
        self.flush().await?;
        self.remember_community(&id)?;
        if self.is_online() {
            self.follow_community(id.clone()).await?;
        }
        Ok(id)
    }

    /// Remembers (on this device only) that this folder holds a community.
    pub fn remember_community(&self, id: &CommunityId) -> Result<(), NodeError> {
        let now = self.now();
        let key = format!("{COMMUNITY_KEY_PREFIX}{id}");
        self.inner.storage.set_local(&key, &now.0.to_string())?;
        Ok(())
    }

    /// The ids of the communities this folder holds, oldest first.
    pub fn community_ids(&self) -> Result<Vec<CommunityId>, NodeError> {
        let mut rows = self.inner.storage.local_with_prefix(COMMUNITY_KEY_PREFIX)?;
        rows.sort_by_key(|(_, added)| added.parse::<i64>().unwrap_or(0));
        Ok(rows
            .into_iter()
            .map(|(key, _)| CommunityId::from(key[COMMUNITY_KEY_PREFIX.len()..].to_string()))
            .collect())
    }

    /// Every community this folder holds, with counts.
    pub async fn communities(&self) -> Result<Vec<CommunitySummary>, NodeError> {
        let mut out = Vec::new();
        for id in self.community_ids()? {
            match self.community(&id).await {
                Ok(c) => out.push(CommunitySummary {
                    id,
                    name: c.name.clone(),
                    members: c.members.len(),
                    notes: c.notes.len(),
                    topics: c.topics.len(),
                    cases: c.cases.len(),
                }),
                Err(e) => {
                    tracing::warn!(community = %id, error = %e, "community could not be read")
                }
            }
        }
        Ok(out)
    }

    /// Picks the community a command means: the one named, or the only one.
    pub fn resolve_community(&self, given: Option<&str>) -> Result<CommunityId, NodeError> {
        let known = self.community_ids()?;
        match given {
            Some(given) => {
                let given = given.trim();
                known
                    .into_iter()
                    .find(|id| id.as_str() == given)
                    .ok_or_else(|| NodeError::NotFound {
                        what: "community",
                        id: given.to_string(),
                    })
            }
            None => match known.len() {
                0 => Err(NodeError::NoCommunity),
                1 => Ok(known.into_iter().next().ok_or(NodeError::NoCommunity)?),
                count => Err(NodeError::AmbiguousCommunity { count }),
            },
        }
    }

    /// The community as it is now, each note's and case's last change as this node knows it
    /// (see [`super::last_changes`]).
    pub async fn community(&self, id: &CommunityId) -> Result<Arc<Community>, NodeError> {
        let stored = self.stored_community(id).await?;
        Ok(self.shown_community(id, stored))
    }

    /// The community document as it is stored, with its heads: for the node's own checks
    /// (roster, index), which need no "last changed".
    pub(super) async fn stored_community(
        &self,
        id: &CommunityId,
    ) -> Result<Snapshot<Community>, NodeError> {
        let known = lock(&self.inner.communities).get(id.as_str()).cloned();
        let (heads, community) = self.read_unless_unchanged(id, known).await?;
        lock(&self.inner.communities).insert(id.to_string(), (heads.clone(), community.clone()));
        Ok((heads, community))
    }

    /// The member this device acts as in a community, to change something; refused if this
    /// device is not on its roster (a removed member keeps what they had but can change
    /// nothing) or its member is a reader.
    pub async fn me(&self, id: &CommunityId) -> Result<MemberId, NodeError> {
        self.who(id, true).await
    }

    /// The member this device acts as, to read: readers too.
    pub async fn me_reading(&self, id: &CommunityId) -> Result<MemberId, NodeError> {
        self.who(id, false).await
    }

    async fn who(&self, id: &CommunityId, writing: bool) -> Result<MemberId, NodeError> {
        // Read from the document directly: every operation asks, and hydrating the whole
        // community after each change to it would cost what the community weighs.
        let device = self.device_id().clone();
        self.inspect(id, move |doc| {
            let me = community_parts::member_for_device(doc, &device)
                .unwrap_or_else(|| MemberId::from(device.to_string()));
            if !community_parts::is_member(doc, &me) {
                return Err(ModelError::NotAMember(me.to_string()));
            }
            if writing && community_parts::is_reader(doc, &me) {
                return Err(ModelError::ReadersWriteNothing);
            }
            Ok(me)
        })
        .await
    }

    pub(crate) fn me_in(&self, community: &Community) -> MemberId {
        community
            .member_for_device(self.device_id())
            .cloned()
            .unwrap_or_else(|| MemberId::from(self.device_id().to_string()))
    }

    /// Who this device is in each community.
    pub async fn whoami(&self) -> Result<Vec<WhoAmI>, NodeError> {
        let mut out = Vec::new();
        for id in self.community_ids()? {
            let community = match self.community(&id).await {
                Ok(community) => community,
                Err(e) => {
                    tracing::warn!(community = %id, error = %e, "community could not be read");
                    continue;
                }
            };
            let member = self.me_in(&community);
            let name = community.members.get(&member).map(|m| m.name.clone());
            out.push(WhoAmI {
                community: id,
                member,
                name,
            });
        }
        Ok(out)
    }

    pub async fn set_purpose(&self, id: &CommunityId, purpose: String) -> Result<(), NodeError> {
        let me = self.me(id).await?;
        self.update(id, "edit purpose", move |c: &mut Community| {
            c.set_purpose(&me, &purpose)
        })
        .await
    }

    pub async fn set_guidelines(
        &self,
        id: &CommunityId,
        guidelines: String,
    ) -> Result<(), NodeError> {
        let me = self.me(id).await?;
        self.update(id, "edit guidelines", move |c: &mut Community| {
            c.set_guidelines(&me, &guidelines)
        })
        .await
    }

    /// Changes this device's person's profile.
    pub async fn update_profile(
        &self,
        id: &CommunityId,
        update: ProfileUpdate,
    ) -> Result<(), NodeError> {
        let me = self.me(id).await?;
        self.update(id, "edit profile", move |c: &mut Community| {
            c.update_profile(&me, &update)
        })
        .await
    }

    // ---- notes ----------------------------------------------------------------------------

    /// Writes a new note and lists it in the community.
    pub async fn add_note(
        &self,
        community: &CommunityId,
        title: &str,
        body: &str,
    ) -> Result<NoteId, NodeError> {
        self.add_indexed(community, "add note", |me, at| {
            Note::new(title, body, me, at)
        })
        .await
    }

    /// A note of this community.
    pub async fn note(&self, community: &CommunityId, id: &NoteId) -> Result<Arc<Note>, NodeError> {
        self.require_indexed(community, &DocRef::Note(id.clone()))
            .await?;
        Ok(Arc::new(self.read(id).await.map_err(listed_but_absent)?))
    }

    /// A note, kept up to date.
    pub async fn watch_note(
        &self,
        community: &CommunityId,
        id: &NoteId,
    ) -> Result<watch::Receiver<Arc<Note>>, NodeError> {
        self.require_indexed(community, &DocRef::Note(id.clone()))
            .await?;
        self.watch(id).await.map_err(listed_but_absent)
    }

    /// Changes a note's body; returns the body as the edit left it.
    pub async fn edit_note(
        &self,
        community: &CommunityId,
        id: &NoteId,
        edit: NoteEdit,
    ) -> Result<String, NodeError> {
        self.change_indexed(community, id, "edit note", move |n: &mut Note| {
            n.edit_body(&edit)?;
            Ok(n.body.as_str().to_string())
        })
        .await
    }

    /// Renames a note.
    pub async fn rename_note(
        &self,
        community: &CommunityId,
        id: &NoteId,
        title: String,
    ) -> Result<(), NodeError> {
        self.change_indexed(community, id, "rename note", move |n: &mut Note| {
            n.rename(&title)
        })
        .await
    }

    /// Comments on a note.
    pub async fn comment_note(
        &self,
        community: &CommunityId,
        id: &NoteId,
        text: String,
    ) -> Result<CommentId, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let comment = CommentId::new_random();
        self.change_indexed(community, id, "comment on note", move |n: &mut Note| {
            n.add_comment(comment, &me, &text, now)
        })
        .await
    }

    /// Refuses a note or case that the community's index does not list.
    pub(super) async fn require_indexed(
        &self,
        community: &CommunityId,
        doc: &DocRef,
    ) -> Result<(), NodeError> {
        self.listed_title(community, doc).await.map(|_| ())
    }

    /// The title the community's index lists a note or case under; refused if it is not listed.
    async fn listed_title(
        &self,
        community: &CommunityId,
        doc: &DocRef,
    ) -> Result<String, NodeError> {
        let listed = doc.clone();
        let title = self
            .inspect(community, move |d| {
                Ok(community_parts::listed_title(d, &listed))
            })
            .await?;
        title.ok_or_else(|| NodeError::NotFound {
            what: doc.kind().as_str(),
            id: doc.id_str().to_string(),
        })
    }

    /// Builds a new note or case as this member, stores it and lists it in the community's
    /// index, so a document never exists without its entry for longer than one step.
    async fn add_indexed<T>(
        &self,
        community: &CommunityId,
        message: &'static str,
        build: impl FnOnce(&MemberId, Timestamp) -> Result<T, ModelError>,
    ) -> Result<T::Id, NodeError>
    where
        T: Indexed + autosurgeon::Reconcile,
    {
        let me = self.me(community).await?;
        let at = self.now();
        let value = build(&me, at)?;
        let entry = DocEntry::new(value.title(), me, at);
        let id = T::Id::from(self.create(&value, message).await?);
        let doc: DocRef = id.clone().into();
        let scope = Scope::new().indexed(&doc);
        self.change_document(community, "index document", move |d, message, at| {
            community_parts::update(d, message, at, &scope, |c| {
                c.index(doc, entry);
                Ok(())
            })
        })
        .await?;
        Ok(id)
    }

    /// Runs an operation on a listed note or case as this member, then learns its last change
    /// (kept by the node, not written to the community) and, after a rename, retitles its index
    /// entry: the one path every change to a note or case takes.
    pub(super) async fn change_indexed<T, R>(
        &self,
        community: &CommunityId,
        id: &T::Id,
        message: &'static str,
        f: impl FnOnce(&mut T) -> Result<R, ModelError> + Send + 'static,
    ) -> Result<R, NodeError>
    where
        T: Indexed + autosurgeon::Hydrate + autosurgeon::Reconcile,
        R: Send + 'static,
    {
        self.me(community).await?;
        let doc: DocRef = id.clone().into();
        let listed = self.listed_title(community, &doc).await?;
        let (result, title) = self
            .update(&doc, message, move |t: &mut T| {
                let r = f(t)?;
                Ok((r, t.title().to_string()))
            })
            .await?;
        self.learn_last_change(&doc).await;
        if title != listed {
            let index_message = match doc.kind() {
                DocKind::Note => "update note index",
                DocKind::Case => "update case index",
            };
            let scope = Scope::new().indexed(&doc);
            self.change_document(community, index_message, move |d, message, at| {
                community_parts::update(d, message, at, &scope, |c| {
                    c.retitle(&doc, &title);
                    Ok(())
                })
            })
            .await?;
        }
        Ok(result)
    }

    // ---- topics ---------------------------------------------------------------------------

    /// Proposes a topic (a sub-topic when `parent` is given).
    pub async fn add_topic(
        &self,
        community: &CommunityId,
        new: NewTopic,
    ) -> Result<TopicId, NodeError> {
        let id = TopicId::new_random();
        let (topic, parent) = (id.clone(), new.parent.clone());
        self.change_parts_as_member(
            community,
            "propose topic",
            move |doc, _| {
                let scope = Scope::new().entry(Part::Topics, &topic);
                match &parent {
                    Some(parent) => scope.topic_with_ancestors(doc, parent),
                    None => scope,
                }
            },
            move |c, me, now| c.add_topic(id, me, &new, now),
        )
        .await
    }

    /// Endorses a topic; false if this member already did.
    pub async fn endorse_topic(
        &self,
        community: &CommunityId,
        topic: &TopicId,
    ) -> Result<bool, NodeError> {
        let topic = topic.clone();
        let scope = Scope::new().entry(Part::Topics, &topic);
        self.change_parts_as_member(
            community,
            "endorse topic",
            move |_, _| scope,
            move |c, me, now| c.endorse_topic(&topic, me, now),
        )
        .await
    }

    /// Withdraws this member's endorsement; false if there was none.
    pub async fn withdraw_endorsement(
        &self,
        community: &CommunityId,
        topic: &TopicId,
    ) -> Result<bool, NodeError> {
        let topic = topic.clone();
        let scope = Scope::new().entry(Part::Topics, &topic);
        self.change_parts_as_member(
            community,
            "withdraw endorsement",
            move |_, _| scope,
            move |c, me, _| c.withdraw_endorsement(&topic, me),
        )
        .await
    }

    pub async fn set_topic_status(
        &self,
        community: &CommunityId,
        topic: &TopicId,
        status: TopicStatus,
    ) -> Result<(), NodeError> {
        let topic = topic.clone();
        let scope = Scope::new().entry(Part::Topics, &topic);
        self.change_parts_as_member(
            community,
            "set topic status",
            move |_, _| scope,
            move |c, me, _| c.set_topic_status(&topic, me, status),
        )
        .await
    }

    /// Links one of the community's notes to a topic.
    pub async fn link_note(
        &self,
        community: &CommunityId,
        topic: &TopicId,
        note: &NoteId,
    ) -> Result<(), NodeError> {
        let (topic, note) = (topic.clone(), note.clone());
        let scope = Scope::new()
            .entry(Part::Topics, &topic)
            .indexed(&DocRef::Note(note.clone()));
        self.change_parts_as_member(
            community,
            "link note to topic",
            move |_, _| scope,
            move |c, me, now| c.link_note(&topic, &note, me, now),
        )
        .await
    }

    // ---- peer-assist cases ----------------------------------------------------------------

    /// Opens a case presented by this member.
    pub async fn open_case(
        &self,
        community: &CommunityId,
        title: &str,
        situation: &str,
    ) -> Result<CaseId, NodeError> {
        self.add_indexed(community, "open case", |me, at| {
            Case::new(title, situation, me, at)
        })
        .await
    }

    /// A case of this community.
    pub async fn case(&self, community: &CommunityId, id: &CaseId) -> Result<Arc<Case>, NodeError> {
        self.require_indexed(community, &DocRef::Case(id.clone()))
            .await?;
        Ok(Arc::new(self.read(id).await.map_err(listed_but_absent)?))
    }

    /// A case, kept up to date.
    pub async fn watch_case(
        &self,
        community: &CommunityId,
        id: &CaseId,
    ) -> Result<watch::Receiver<Arc<Case>>, NodeError> {
        self.require_indexed(community, &DocRef::Case(id.clone()))
            .await?;
        self.watch(id).await.map_err(listed_but_absent)
    }

    pub async fn ask_question(
        &self,
        community: &CommunityId,
        id: &CaseId,
        text: String,
    ) -> Result<QuestionId, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let question = QuestionId::new_random();
        self.change_indexed(community, id, "ask question", move |c: &mut Case| {
            c.ask_question(question, &me, &text, now)
        })
        .await
    }

    pub async fn answer_question(
        &self,
        community: &CommunityId,
        id: &CaseId,
        question: &QuestionId,
        text: String,
    ) -> Result<(), NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let question = question.clone();
        self.change_indexed(community, id, "answer question", move |c: &mut Case| {
            c.answer_question(&question, &me, &text, now)
        })
        .await
    }

    pub async fn suggest(
        &self,
        community: &CommunityId,
        id: &CaseId,
        text: String,
    ) -> Result<SuggestionId, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let suggestion = SuggestionId::new_random();
        self.change_indexed(community, id, "suggest", move |c: &mut Case| {
            c.suggest(suggestion, &me, &text, now)
        })
        .await
    }

    /// Moves the case to its next phase (presenter only); returns the new phase.
    pub async fn advance_case(
        &self,
        community: &CommunityId,
        id: &CaseId,
    ) -> Result<Phase, NodeError> {
        let me = self.me(community).await?;
        self.change_indexed(community, id, "advance phase", move |c: &mut Case| {
            c.advance_phase(&me)
        })
        .await
    }

    /// Takes back the presenter's last move on, until someone writes in the new phase; returns
    /// the phase the case is back in.
    pub async fn undo_advance_case(
        &self,
        community: &CommunityId,
        id: &CaseId,
    ) -> Result<Phase, NodeError> {
        let me = self.me(community).await?;
        self.change_indexed(community, id, "undo advance phase", move |c: &mut Case| {
            c.undo_advance(&me)
        })
        .await
    }

    /// Closes the case with its outcome and next actions (each owned by the presenter).
    pub async fn close_case(
        &self,
        community: &CommunityId,
        id: &CaseId,
        outcome: String,
        actions: Vec<String>,
    ) -> Result<(), NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let actions = actions
            .into_iter()
            .map(|text| (ActionId::new_random(), text, Some(me.clone())))
            .collect();
        self.change_indexed(community, id, "close case", move |c: &mut Case| {
            c.close(&me, &outcome, actions, now)
        })
        .await
    }

    pub async fn comment_case(
        &self,
        community: &CommunityId,
        id: &CaseId,
        text: String,
    ) -> Result<CommentId, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let comment = CommentId::new_random();
        self.change_indexed(community, id, "comment on case", move |c: &mut Case| {
            c.add_comment(comment, &me, &text, now)
        })
        .await
    }
}

/// A document the community lists but this device does not hold: said as such, not as an
/// unknown id (it was never fetched, or its stored keys were damaged).
fn listed_but_absent(e: NodeError) -> NodeError {
    match e {
        NodeError::NotFound { what, id } => NodeError::NotOnThisDevice { what, id },
        other => other,
    }
}
