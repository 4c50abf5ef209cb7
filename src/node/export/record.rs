//! `community.json`: everything an export holds, as data, in serde types whose shape is the
//! file's format. [`FORMAT`] names it with a version; bump the version on any change a reader
//! of the file would notice.

use serde::Serialize;

use crate::model::{
    ActionId, Case, CaseId, Comment, CommentId, Community, CommunityId, DocEntry, Gathering,
    GatheringId, MemberId, Note, NoteId, Phase, QuestionId, Roles, SuggestionId, TopicId,
    TopicStatus,
};

/// The format of `community.json`, with its version.
pub const FORMAT: &str = "copse-export/1";

/// The whole file.
#[derive(Serialize)]
pub struct ExportFile {
    pub format: &'static str,
    pub exported_at: String,
    pub community: CommunityRecord,
    pub members: Vec<MemberRecord>,
    pub topics: Vec<TopicRecord>,
    pub gatherings: Vec<GatheringRecord>,
    pub notes: Vec<NoteRecord>,
    pub cases: Vec<CaseRecord>,
}

/// When a document changed, from its change log.
#[derive(Clone, Debug, Serialize)]
pub struct ChangeTime {
    pub at: String,
    pub message: Option<String>,
}

#[derive(Serialize)]
pub struct CommunityRecord {
    pub id: CommunityId,
    pub name: String,
    pub purpose: String,
    pub guidelines: String,
    pub created_at: String,
}

impl CommunityRecord {
    pub fn of(id: &CommunityId, c: &Community) -> CommunityRecord {
        CommunityRecord {
            id: id.clone(),
            name: c.name.clone(),
            purpose: c.purpose.as_str().to_string(),
            guidelines: c.guidelines.as_str().to_string(),
            created_at: c.created_at.to_rfc3339(),
        }
    }
}

#[derive(Serialize)]
pub struct MemberRecord {
    pub id: MemberId,
    pub name: String,
    pub skills: Vec<String>,
    pub objectives: Vec<String>,
    pub joined_at: String,
}

impl MemberRecord {
    pub fn all(c: &Community) -> Vec<MemberRecord> {
        c.members
            .iter()
            .map(|(id, m)| MemberRecord {
                id: id.clone(),
                name: m.name.clone(),
                skills: m.skills.clone(),
                objectives: m.objectives.clone(),
                joined_at: m.joined_at.to_rfc3339(),
            })
            .collect()
    }
}

#[derive(Serialize)]
pub struct TopicRecord {
    pub id: TopicId,
    pub title: String,
    pub description: String,
    pub status: TopicStatus,
    pub proposer: MemberId,
    pub proposed_at: String,
    pub parent: Option<TopicId>,
    pub endorsements: Vec<Endorsement>,
    pub notes: Vec<NoteId>,
}

#[derive(Serialize)]
pub struct Endorsement {
    pub member: MemberId,
    pub at: String,
}

impl TopicRecord {
    pub fn all(c: &Community) -> Vec<TopicRecord> {
        c.topics
            .iter()
            .map(|(id, t)| TopicRecord {
                id: id.clone(),
                title: t.title.clone(),
                description: t.description.clone(),
                status: t.status,
                proposer: t.proposer.clone(),
                proposed_at: t.proposed_at.to_rfc3339(),
                parent: t.parent.clone(),
                endorsements: t
                    .endorsements
                    .iter()
                    .map(|(member, at)| Endorsement {
                        member: member.clone(),
                        at: at.to_rfc3339(),
                    })
                    .collect(),
                notes: t.notes.keys().cloned().collect(),
            })
            .collect()
    }
}

#[derive(Serialize)]
pub struct GatheringRecord {
    pub id: GatheringId,
    pub file: String,
    pub title: String,
    pub when: String,
    pub agenda: Vec<TopicId>,
    pub roles: Roles,
    pub note: Option<NoteId>,
}

impl GatheringRecord {
    pub fn of(id: &GatheringId, file: &str, g: &Gathering) -> GatheringRecord {
        GatheringRecord {
            id: id.clone(),
            file: file.to_string(),
            title: g.title.clone(),
            when: g.when.to_rfc3339(),
            agenda: g.agenda.clone(),
            roles: g.roles.clone(),
            note: g.note.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct CommentRecord {
    pub id: CommentId,
    pub author: MemberId,
    pub author_name: String,
    pub text: String,
    pub at: String,
}

impl CommentRecord {
    /// A document's comments, oldest first.
    pub fn all(
        comments: &std::collections::BTreeMap<CommentId, Comment>,
        c: &Community,
    ) -> Vec<CommentRecord> {
        let mut list: Vec<_> = comments.iter().collect();
        list.sort_by_key(|(_, comment)| comment.at);
        list.into_iter()
            .map(|(id, comment)| CommentRecord {
                id: id.clone(),
                author: comment.author.clone(),
                author_name: c.display_name(&comment.author),
                text: comment.text.clone(),
                at: comment.at.to_rfc3339(),
            })
            .collect()
    }
}

#[derive(Serialize)]
pub struct NoteRecord {
    pub id: NoteId,
    pub file: String,
    pub title: String,
    pub author: MemberId,
    pub author_name: String,
    pub created_at: String,
    pub updated_at: String,
    pub body: String,
    pub comments: Vec<CommentRecord>,
    pub changes: Vec<ChangeTime>,
}

impl NoteRecord {
    pub fn of(
        id: &NoteId,
        file: &str,
        note: &Note,
        entry: &DocEntry,
        changes: Vec<ChangeTime>,
        c: &Community,
    ) -> NoteRecord {
        NoteRecord {
            id: id.clone(),
            file: file.to_string(),
            title: note.title.clone(),
            author: note.author.clone(),
            author_name: c.display_name(&note.author),
            created_at: note.created_at.to_rfc3339(),
            updated_at: entry.updated_at.to_rfc3339(),
            body: note.body.as_str().to_string(),
            comments: CommentRecord::all(&note.comments, c),
            changes,
        }
    }
}

#[derive(Serialize)]
pub struct CaseRecord {
    pub id: CaseId,
    pub file: String,
    pub title: String,
    pub presenter: MemberId,
    pub presenter_name: String,
    pub phase: Phase,
    pub situation: String,
    pub opened_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub questions: Vec<QuestionRecord>,
    pub suggestions: Vec<SuggestionRecord>,
    pub outcome: String,
    pub next_actions: Vec<ActionRecord>,
    pub comments: Vec<CommentRecord>,
    pub changes: Vec<ChangeTime>,
}

#[derive(Serialize)]
pub struct QuestionRecord {
    pub id: QuestionId,
    pub author: MemberId,
    pub text: String,
    pub asked_at: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
}

#[derive(Serialize)]
pub struct SuggestionRecord {
    pub id: SuggestionId,
    pub author: MemberId,
    pub text: String,
    pub at: String,
}

#[derive(Serialize)]
pub struct ActionRecord {
    pub id: ActionId,
    pub text: String,
    pub owner: Option<MemberId>,
    pub done: bool,
}

impl CaseRecord {
    pub fn of(
        id: &CaseId,
        file: &str,
        case: &Case,
        entry: &DocEntry,
        changes: Vec<ChangeTime>,
        c: &Community,
    ) -> CaseRecord {
        CaseRecord {
            id: id.clone(),
            file: file.to_string(),
            title: case.title.clone(),
            presenter: case.presenter.clone(),
            presenter_name: c.display_name(&case.presenter),
            phase: case.phase,
            situation: case.situation.as_str().to_string(),
            opened_at: case.opened_at.to_rfc3339(),
            updated_at: entry.updated_at.to_rfc3339(),
            closed_at: case.closed_at.map(|t| t.to_rfc3339()),
            questions: case
                .questions
                .iter()
                .map(|(id, q)| QuestionRecord {
                    id: id.clone(),
                    author: q.author.clone(),
                    text: q.text.clone(),
                    asked_at: q.asked_at.to_rfc3339(),
                    answer: q.answer.clone(),
                    answered_at: q.answered_at.map(|t| t.to_rfc3339()),
                })
                .collect(),
            suggestions: case
                .suggestions
                .iter()
                .map(|(id, s)| SuggestionRecord {
                    id: id.clone(),
                    author: s.author.clone(),
                    text: s.text.clone(),
                    at: s.at.to_rfc3339(),
                })
                .collect(),
            outcome: case.outcome.as_str().to_string(),
            next_actions: case
                .next_actions
                .iter()
                .map(|(id, a)| ActionRecord {
                    id: id.clone(),
                    text: a.text.clone(),
                    owner: a.owner.clone(),
                    done: a.done,
                })
                .collect(),
            comments: CommentRecord::all(&case.comments, c),
            changes,
        }
    }
}
