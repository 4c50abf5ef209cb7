//! `copse topic …`: propose, list, endorse and link topics, and set their status.

use std::str::FromStr;

use anyhow::Result;
use clap::Subcommand;

use super::lifecycle::{self, Verb};
use super::output::Output;
use crate::model::community::NewTopic;
use crate::model::practice::unread;
use crate::model::{CommunityId, Item, NoteId, TopicId, TopicStatus};
use crate::node::Node;

#[derive(Debug, Subcommand)]
pub enum TopicCommand {
    /// Propose a topic; prints its id.
    Add {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Make it a sub-topic of this topic.
        #[arg(long, value_name = "ID", value_parser = TopicId::from_str)]
        parent: Option<TopicId>,
    },
    /// List topics, most endorsed first.
    List {
        /// List only the archived ones.
        #[arg(long)]
        archived: bool,
    },
    /// Endorse a topic (one endorsement per member).
    Endorse {
        #[arg(value_parser = TopicId::from_str)]
        id: TopicId,
    },
    /// Set a topic's status.
    Status {
        #[arg(value_parser = TopicId::from_str)]
        id: TopicId,
        status: TopicStatus,
    },
    /// Link a note to a topic.
    Link {
        #[arg(value_parser = TopicId::from_str)]
        id: TopicId,
        #[arg(value_parser = NoteId::from_str)]
        note: NoteId,
    },
    /// Rename a topic.
    Rename {
        #[arg(value_parser = TopicId::from_str)]
        id: TopicId,
        title: String,
    },
    /// Archive a topic for everyone: hidden from lists, still found by search and export.
    Archive {
        #[arg(value_parser = TopicId::from_str)]
        id: TopicId,
    },
    /// Take a topic out of the archive.
    Unarchive {
        #[arg(value_parser = TopicId::from_str)]
        id: TopicId,
    },
    /// Delete a topic for everyone (`undelete` brings it back).
    Delete {
        #[arg(value_parser = TopicId::from_str)]
        id: TopicId,
    },
    /// Bring back a deleted topic.
    Undelete {
        #[arg(value_parser = TopicId::from_str)]
        id: TopicId,
    },
}

pub async fn run(node: &Node, c: &CommunityId, command: &TopicCommand, out: &Output) -> Result<()> {
    match command {
        TopicCommand::Add {
            title,
            description,
            parent,
        } => {
            let new = NewTopic {
                title: title.clone(),
                description: description.clone(),
                parent: parent.clone(),
            };
            let id = node.add_topic(c, new).await?;
            out.id(&id, &format!("{id}"));
        }
        TopicCommand::List { archived } => {
            let community = node.community(c).await?;
            out.topics(&community, *archived);
            // Listed here: no longer "new since you last looked".
            node.mark_seen(c, &unread::topic_marks(&community))?;
        }
        TopicCommand::Endorse { id } => {
            let new = node.endorse_topic(c, id).await?;
            out.done(
                id,
                if new {
                    "endorsed"
                } else {
                    "you already endorse this topic"
                },
            );
        }
        TopicCommand::Status { id, status } => {
            node.set_topic_status(c, id, *status).await?;
            out.done(id, &format!("status set to {status}"));
        }
        TopicCommand::Link { id, note } => {
            node.link_note(c, id, note).await?;
            out.done(id, &format!("note {note} linked"));
        }
        TopicCommand::Rename { id, title } => {
            lifecycle::run(node, c, Item::Topic(id.clone()), Verb::Rename(title), out).await?
        }
        TopicCommand::Archive { id } => {
            lifecycle::run(node, c, Item::Topic(id.clone()), Verb::Archive, out).await?
        }
        TopicCommand::Unarchive { id } => {
            lifecycle::run(node, c, Item::Topic(id.clone()), Verb::Unarchive, out).await?
        }
        TopicCommand::Delete { id } => {
            lifecycle::run(node, c, Item::Topic(id.clone()), Verb::Delete, out).await?
        }
        TopicCommand::Undelete { id } => {
            lifecycle::run(node, c, Item::Topic(id.clone()), Verb::Undelete, out).await?
        }
    }
    Ok(())
}
