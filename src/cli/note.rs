//! `copse note …`: write, list, show, edit and comment on notes, and their history.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use super::lifecycle::{self, Verb};
use super::output::Output;
use crate::model::{CommentId, CommunityId, DocRef, Item, NoteEdit, NoteId, plain};
use crate::node::Node;

#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Write a new note; prints its id.
    Add {
        #[arg(long)]
        title: String,
        #[command(flatten)]
        body: BodySource,
    },
    /// List notes, most recently changed first.
    List {
        /// List only the archived ones.
        #[arg(long)]
        archived: bool,
    },
    /// Show a note with its comments (as it was at --version, if given).
    Show {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
        /// A version from `copse note history`.
        #[arg(long)]
        version: Option<String>,
    },
    /// Who changed the note, what and when; each line names a version.
    History {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
    },
    /// Make the note read as it did at VERSION again (a new change; nothing is lost).
    Restore {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
        version: String,
    },
    /// Change a note's body.
    Edit {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
        #[command(flatten)]
        edit: EditArgs,
    },
    /// Comment on a note.
    Comment {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
        text: String,
    },
    /// Rename a note.
    Rename {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
        title: String,
    },
    /// Archive a note for everyone: hidden from lists, still found by search and export.
    Archive {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
    },
    /// Take a note out of the archive.
    Unarchive {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
    },
    /// Delete a note for everyone (`undelete` brings it back).
    Delete {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
    },
    /// Bring back a deleted note.
    Undelete {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
    },
    /// Delete one of your own comments.
    DeleteComment {
        #[arg(value_parser = NoteId::from_str)]
        id: NoteId,
        #[arg(value_parser = CommentId::from_str)]
        comment: CommentId,
    },
}

#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct BodySource {
    /// The body as Markdown text.
    #[arg(long)]
    body: Option<String>,
    /// Read the body from a file ("-" for standard input).
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct EditArgs {
    /// Replace the whole body.
    #[arg(long)]
    body: Option<String>,
    /// Add text at the end of the body.
    #[arg(long)]
    append: Option<String>,
}

pub async fn run(node: &Node, c: &CommunityId, command: &NoteCommand, out: &Output) -> Result<()> {
    match command {
        NoteCommand::Add { title, body } => {
            let body = body.read()?;
            let id = node.add_note(c, title, &body).await?;
            out.id(&id, &format!("{id}"));
        }
        NoteCommand::List { archived } => {
            let damaged = node.damaged_in(c).await?;
            out.notes(&*node.community(c).await?, *archived, &damaged);
            let absent = node.absent_in(c).await?;
            let absent = absent.iter().filter(|d| matches!(d, DocRef::Note(_)));
            super::output::warn_absent(absent.count(), "note", "notes");
        }
        NoteCommand::Show { id, version } => {
            let community = node.community(c).await?;
            let note = match version {
                Some(v) => Arc::new(node.note_at(c, id, v).await?),
                None => node.note(c, id).await?,
            };
            out.note(id, &note, &community);
            if let Some(entry) = community.notes.get(id) {
                node.mark_read(c, &DocRef::Note(id.clone()), entry.updated_at)?;
            }
        }
        NoteCommand::History { id } => {
            out.history(&node.history(c, &DocRef::Note(id.clone())).await?)
        }
        NoteCommand::Restore { id, version } => {
            node.restore(c, &DocRef::Note(id.clone()), version).await?;
            out.done(id, &format!("restored to version {version}"));
        }
        NoteCommand::Edit { id, edit } => {
            let edit = match (&edit.body, &edit.append) {
                (Some(body), _) => NoteEdit::Replace(body.clone()),
                (None, Some(more)) => NoteEdit::Append(more.clone()),
                (None, None) => bail!("say what to change with --body or --append"),
            };
            node.edit_note(c, id, edit).await?;
            out.done(id, "note saved");
        }
        NoteCommand::Comment { id, text } => {
            let comment = node.comment_note(c, id, text.clone()).await?;
            out.id(&comment, &format!("{comment}"));
        }
        NoteCommand::Rename { id, title } => {
            lifecycle::run(node, c, Item::Note(id.clone()), Verb::Rename(title), out).await?
        }
        NoteCommand::Archive { id } => {
            lifecycle::run(node, c, Item::Note(id.clone()), Verb::Archive, out).await?
        }
        NoteCommand::Unarchive { id } => {
            lifecycle::run(node, c, Item::Note(id.clone()), Verb::Unarchive, out).await?
        }
        NoteCommand::Delete { id } => {
            lifecycle::run(node, c, Item::Note(id.clone()), Verb::Delete, out).await?
        }
        NoteCommand::Undelete { id } => {
            lifecycle::run(node, c, Item::Note(id.clone()), Verb::Undelete, out).await?
        }
        NoteCommand::DeleteComment { id, comment } => {
            let doc = DocRef::Note(id.clone());
            node.delete_comment(c, &doc, comment).await?;
            out.done(comment, "Deleted your comment");
        }
    }
    Ok(())
}

impl BodySource {
    fn read(&self) -> Result<String> {
        match (&self.body, &self.body_file) {
            (Some(body), _) => Ok(body.clone()),
            (None, Some(path)) if path.as_os_str() == "-" => {
                // Read one byte past the limit, so an endless stream is refused, not buffered.
                let limit = crate::model::limits::MAX_BODY_BYTES as u64;
                let mut text = String::new();
                std::io::Read::read_to_string(
                    &mut std::io::Read::take(std::io::stdin(), limit + 1),
                    &mut text,
                )
                .context("could not read the body from standard input as UTF-8 text")?;
                Ok(text)
            }
            (None, Some(path)) => {
                let meta = std::fs::metadata(path)
                    .with_context(|| format!("could not read {}", path.display()))?;
                let limit = crate::model::limits::MAX_BODY_BYTES;
                let size = usize::try_from(meta.len()).unwrap_or(usize::MAX);
                if size > limit {
                    bail!(
                        "{} is {}; a note's body is limited to {}",
                        path.display(),
                        plain::size(size),
                        plain::size(limit)
                    );
                }
                std::fs::read_to_string(path)
                    .with_context(|| format!("could not read {} as UTF-8 text", path.display()))
            }
            (None, None) => Ok(String::new()),
        }
    }
}
