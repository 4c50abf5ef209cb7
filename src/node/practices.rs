//! The practices that read across the community: shared learning objectives (and turning one
//! into a topic), the skills directory, and the community pulse.
//!
//! The rules live in [`crate::model::practice::objectives`], [`crate::model::practice::skills`] and
//! [`crate::model::practice::pulse`]; these operations fetch the documents they need.

use std::collections::BTreeMap;

use super::{Node, NodeError};
use crate::model::practice::objectives::ObjectiveGroup;
use crate::model::practice::pulse::{self, Pulse};
use crate::model::practice::skills::{self, Helper};
use crate::model::{Case, CaseId, Community, CommunityId, Note, NoteId, TopicId};

impl Node {
    /// The community's shared learning objectives, most widely held first.
    pub async fn shared_objectives(
        &self,
        community: &CommunityId,
    ) -> Result<Vec<ObjectiveGroup>, NodeError> {
        Ok(self.community(community).await?.shared_objectives())
    }

    /// Proposes the shared objective `key` names (its number in the list, or its wording) as a
    /// topic crediting the members who hold it.
    pub async fn topic_from_objectives(
        &self,
        community: &CommunityId,
        key: &str,
    ) -> Result<TopicId, NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let id = TopicId::new_random();
        let key = key.to_string();
        self.update(
            community,
            "topic from shared objectives",
            move |c: &mut Community| c.add_topic_from_objectives(id, &me, &key, now),
        )
        .await
    }

    /// Who can help with `question`, best match first; everyone with skills when it is blank.
    pub async fn who_can_help(
        &self,
        community: &CommunityId,
        question: &str,
    ) -> Result<Vec<Helper>, NodeError> {
        Ok(skills::who_can_help(
            &*self.community(community).await?,
            question,
        ))
    }

    /// The community pulse now. Opens every note and case for their dated comments, questions
    /// and suggestions; one that cannot be read yet (not synced) counts by its index entry.
    pub async fn pulse(&self, community: &CommunityId) -> Result<Pulse, NodeError> {
        let now = self.now();
        let c = self.community(community).await?;
        let mut notes: BTreeMap<NoteId, Note> = BTreeMap::new();
        for id in c.notes.keys() {
            match self.read::<Note>(id).await {
                Ok(note) => {
                    notes.insert(id.clone(), note);
                }
                Err(e) => tracing::debug!(note = %id, error = %e, "pulse: note not read"),
            }
        }
        let mut cases: BTreeMap<CaseId, Case> = BTreeMap::new();
        for id in c.cases.keys() {
            match self.read::<Case>(id).await {
                Ok(case) => {
                    cases.insert(id.clone(), case);
                }
                Err(e) => tracing::debug!(case = %id, error = %e, "pulse: case not read"),
            }
        }
        let activity = pulse::gather_activity(&c, &notes, &cases);
        Ok(pulse::pulse(&c, &activity, now))
    }
}
