//! A topic the community wants to explore together.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::{MemberId, ModelError, NoteId, Timestamp, TopicId};

/// Where a topic stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TopicStatus {
    #[default]
    Proposed,
    Planned,
    Discussed,
}

impl TopicStatus {
    pub const ALL: [TopicStatus; 3] = [
        TopicStatus::Proposed,
        TopicStatus::Planned,
        TopicStatus::Discussed,
    ];
}

impl fmt::Display for TopicStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TopicStatus::Proposed => "proposed",
            TopicStatus::Planned => "planned",
            TopicStatus::Discussed => "discussed",
        })
    }
}

impl FromStr for TopicStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "proposed" => Ok(TopicStatus::Proposed),
            "planned" => Ok(TopicStatus::Planned),
            "discussed" => Ok(TopicStatus::Discussed),
            other => Err(format!(
                "'{other}' is not a topic status (use proposed, planned or discussed)"
            )),
        }
    }
}

/// A proposed topic with its endorsements. Endorsements are keyed by member, so each member
/// endorses at most once and concurrent endorsements never conflict.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Topic {
    pub title: String,
    pub description: String,
    pub proposer: MemberId,
    pub proposed_at: Timestamp,
    pub status: TopicStatus,
    /// A sub-topic (work stream) names its parent.
    #[autosurgeon(missing = "Default::default")]
    pub parent: Option<TopicId>,
    /// Member → when they endorsed.
    #[autosurgeon(missing = "Default::default")]
    pub endorsements: BTreeMap<MemberId, Timestamp>,
    /// Notes linked to this topic → when linked.
    #[autosurgeon(missing = "Default::default")]
    pub notes: BTreeMap<NoteId, Timestamp>,
    /// When the topic came from shared learning objectives: the members who hold them, with
    /// the wording each wrote ("from the objectives of Ada, Bo").
    #[autosurgeon(missing = "Default::default")]
    pub from_objectives: BTreeMap<MemberId, String>,
}

impl Topic {
    /// How many members endorse this topic.
    pub fn endorsement_count(&self) -> usize {
        self.endorsements.len()
    }

    /// Whether `member` endorses this topic.
    pub fn endorsed_by(&self, member: &MemberId) -> bool {
        self.endorsements.contains_key(member)
    }
}

/// Refuses a parent link that would make a loop, given every topic's current parent.
pub(crate) fn check_parent(
    topics: &BTreeMap<TopicId, Topic>,
    child: &TopicId,
    parent: &TopicId,
) -> Result<(), ModelError> {
    let mut cursor = Some(parent.clone());
    // Bounded by the number of topics: a loop already in the data cannot spin forever.
    for _ in 0..=topics.len() {
        let Some(current) = cursor else {
            return Ok(());
        };
        if &current == child {
            return Err(ModelError::ParentCycle);
        }
        let Some(topic) = topics.get(&current) else {
            return Err(ModelError::NoSuchTopic(current.to_string()));
        };
        cursor = topic.parent.clone();
    }
    Err(ModelError::ParentCycle)
}
