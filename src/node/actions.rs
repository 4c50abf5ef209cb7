//! Peer-assist next actions on the [`Node`]: closing a case with actions owned by members,
//! ticking them off, and listing open actions per member across the community's cases.

use serde::Serialize;

use super::{Node, NodeError};
use crate::model::{ActionId, Case, CaseId, CommunityId, MemberId, Timestamp};

/// One next action, with the case it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActionItem {
    pub case: CaseId,
    pub case_title: String,
    pub id: ActionId,
    pub text: String,
    pub owner: Option<MemberId>,
    pub done: bool,
    pub closed_at: Option<Timestamp>,
}

impl Node {
    /// Closes the case (presenter only) with its outcome and next actions, each owned by a
    /// member of the community.
    pub async fn close_case_with_owners(
        &self,
        community: &CommunityId,
        id: &CaseId,
        outcome: String,
        actions: Vec<(String, MemberId)>,
    ) -> Result<(), NodeError> {
        let now = self.now();
        let me = self.me(community).await?;
        let roster = self.community(community).await?;
        for (_, owner) in &actions {
            roster.require_member(owner)?;
        }
        let actions = actions
            .into_iter()
            .map(|(text, owner)| (ActionId::new_random(), text, Some(owner)))
            .collect();
        self.change_indexed(community, id, "close case", move |c: &mut Case| {
            c.close(&me, &outcome, actions, now)
        })
        .await
    }

    /// Ticks a next action off (`done`) or back on; false if it already was so.
    pub async fn tick_action(
        &self,
        community: &CommunityId,
        case: &CaseId,
        action: &ActionId,
        done: bool,
    ) -> Result<bool, NodeError> {
        let me = self.me(community).await?;
        let action = action.clone();
        self.change_indexed(
            community,
            case,
            if done {
                "tick off action"
            } else {
                "reopen action"
            },
            move |c: &mut Case| c.tick_action(&action, &me, done),
        )
        .await
    }

    /// The next actions of every case (of `owner` only, when given), open ones only unless
    /// `include_done`; most recently closed case first. A case not yet synced is skipped.
    pub async fn actions(
        &self,
        community: &CommunityId,
        owner: Option<&MemberId>,
        include_done: bool,
    ) -> Result<Vec<ActionItem>, NodeError> {
        let index = self.community(community).await?;
        let mut out = Vec::new();
        for id in index.cases.keys() {
            let case: Case = match self.read(id).await {
                Ok(case) => case,
                Err(e) => {
                    tracing::debug!(case = %id, error = %e, "case not read for its actions");
                    continue;
                }
            };
            for (action_id, action) in &case.next_actions {
                if owner.is_some_and(|o| action.owner.as_ref() != Some(o)) {
                    continue;
                }
                if action.done && !include_done {
                    continue;
                }
                out.push(ActionItem {
                    case: id.clone(),
                    case_title: case.title.clone(),
                    id: action_id.clone(),
                    text: action.text.clone(),
                    owner: action.owner.clone(),
                    done: action.done,
                    closed_at: case.closed_at,
                });
            }
        }
        out.sort_by(|a, b| {
            b.closed_at
                .cmp(&a.closed_at)
                .then(a.case.cmp(&b.case))
                .then(a.text.cmp(&b.text))
        });
        Ok(out)
    }
}
