//! `copse topic …`: propose, list, endorse and link topics, and set their status.

use std::str::FromStr;

use anyhow::Result;
use clap::Subcommand;

use super::output::Output;
use crate::model::community::NewTopic;
use crate::model::{CommunityId, NoteId, TopicId, TopicStatus};
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
    List,
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
        TopicCommand::List => out.topics(&*node.community(c).await?),
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
    }
    Ok(())
}
