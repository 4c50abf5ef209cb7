//! `copse case …`: peer-assist cases through their phases, and their history.

use std::str::FromStr;
use std::sync::Arc;

use anyhow::Result;
use clap::Subcommand;

use super::lifecycle::{self, Verb};
use super::output::Output;
use super::rhythm;
use crate::model::{CaseId, CommunityId, DocRef, Item, Phase, QuestionId};
use crate::node::Node;

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open a peer-assist case that you present; prints its id.
    Open {
        #[arg(long)]
        title: String,
        #[arg(long)]
        situation: String,
    },
    /// List cases.
    List {
        /// List only the archived ones.
        #[arg(long)]
        archived: bool,
    },
    /// Show a case in its current phase (as it was at --version, if given).
    Show {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
        /// A version from `copse case history`.
        #[arg(long)]
        version: Option<String>,
    },
    /// Who changed the case, what and when; each line names a version.
    History {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
    },
    /// Make the case read as it did at VERSION again (a new change; nothing is lost).
    Restore {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
        version: String,
    },
    /// Ask a clarifying question (Clarify phase); prints its id.
    Ask {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
        text: String,
    },
    /// Answer a question on your case.
    Answer {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
        #[arg(value_parser = QuestionId::from_str)]
        question_id: QuestionId,
        text: String,
    },
    /// Offer a suggestion (Suggest phase); prints its id.
    Suggest {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
        text: String,
    },
    /// Move your case to its next phase.
    Advance {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
    },
    /// Comment on a case, in any phase; prints the comment's id.
    Comment {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
        text: String,
    },
    /// Take back your last move to a new phase, until someone writes in it.
    UndoAdvance {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
    },
    /// Close your case after Reflect with its outcome.
    Close {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
        #[arg(long)]
        outcome: String,
        /// A next small action you take away (repeatable).
        #[arg(long = "action", value_name = "TEXT")]
        actions: Vec<String>,
        /// A next action owned by a member, by id or name (repeatable).
        #[arg(long = "action-for", num_args = 2, value_names = ["MEMBER", "TEXT"])]
        actions_for: Vec<String>,
    },
    /// Rename a case.
    Rename {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
        title: String,
    },
    /// Archive a case for everyone: hidden from lists, still found by search and export.
    Archive {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
    },
    /// Take a case out of the archive.
    Unarchive {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
    },
    /// Delete a case for everyone (`undelete` brings it back).
    Delete {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
    },
    /// Bring back a deleted case.
    Undelete {
        #[arg(value_parser = CaseId::from_str)]
        id: CaseId,
    },
}

pub async fn run(node: &Node, c: &CommunityId, command: &CaseCommand, out: &Output) -> Result<()> {
    match command {
        CaseCommand::Open { title, situation } => {
            let id = node.open_case(c, title, situation).await?;
            out.id(&id, &format!("{id}"));
        }
        CaseCommand::List { archived } => {
            let damaged = node.damaged_in(c).await?;
            out.cases(&*node.community(c).await?, *archived, &damaged);
            let absent = node.absent_in(c).await?;
            let absent = absent.iter().filter(|d| matches!(d, DocRef::Case(_)));
            super::output::warn_absent(absent.count(), "case", "cases");
        }
        CaseCommand::Show { id, version } => {
            let community = node.community(c).await?;
            let case = match version {
                Some(v) => Arc::new(node.case_at(c, id, v).await?),
                None => node.case(c, id).await?,
            };
            out.case(id, &case, &community);
            if let Some(entry) = community.cases.get(id) {
                node.mark_read(c, &DocRef::Case(id.clone()), entry.updated_at)?;
            }
        }
        CaseCommand::History { id } => {
            out.history(&node.history(c, &DocRef::Case(id.clone())).await?)
        }
        CaseCommand::Restore { id, version } => {
            node.restore(c, &DocRef::Case(id.clone()), version).await?;
            out.done(id, &format!("restored to version {version}"));
        }
        CaseCommand::Ask { id, text } => {
            let q = node.ask_question(c, id, text.clone()).await?;
            out.id(&q, &format!("{q}"));
        }
        CaseCommand::Answer {
            id,
            question_id,
            text,
        } => {
            node.answer_question(c, id, question_id, text.clone())
                .await?;
            out.done(question_id, "answered");
        }
        CaseCommand::Suggest { id, text } => {
            let s = node.suggest(c, id, text.clone()).await?;
            out.id(&s, &format!("{s}"));
        }
        CaseCommand::Advance { id } => {
            let phase = node.advance_case(c, id).await?;
            out.phase(id, phase);
        }
        CaseCommand::Comment { id, text } => {
            let comment = node.comment_case(c, id, text.clone()).await?;
            out.id(&comment, &format!("{comment}"));
        }
        CaseCommand::UndoAdvance { id } => {
            let phase = node.undo_advance_case(c, id).await?;
            out.phase(id, phase);
        }
        CaseCommand::Close {
            id,
            outcome,
            actions,
            actions_for,
        } => {
            let me = node.me(c).await?;
            let mut owned: Vec<_> = actions.iter().map(|a| (a.clone(), me.clone())).collect();
            let community = node.community(c).await?;
            owned.extend(rhythm::owned_actions(&community, actions_for)?);
            node.close_case_with_owners(c, id, outcome.clone(), owned)
                .await?;
            out.phase(id, Phase::Closed);
        }
        CaseCommand::Rename { id, title } => {
            lifecycle::run(node, c, Item::Case(id.clone()), Verb::Rename(title), out).await?
        }
        CaseCommand::Archive { id } => {
            lifecycle::run(node, c, Item::Case(id.clone()), Verb::Archive, out).await?
        }
        CaseCommand::Unarchive { id } => {
            lifecycle::run(node, c, Item::Case(id.clone()), Verb::Unarchive, out).await?
        }
        CaseCommand::Delete { id } => {
            lifecycle::run(node, c, Item::Case(id.clone()), Verb::Delete, out).await?
        }
        CaseCommand::Undelete { id } => {
            lifecycle::run(node, c, Item::Case(id.clone()), Verb::Undelete, out).await?
        }
    }
    Ok(())
}
