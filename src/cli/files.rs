//! `copse attach`, `copse files` and `copse file save|rename|remove`: files attached to notes
//! and cases, for people or as JSON.

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

use super::output::Output;
use crate::model::attachment::size_in_words;
use crate::model::{CommunityId, FileId};
use crate::node::{FileView, Node, check_file};

#[derive(Debug, Subcommand)]
pub enum FileCommand {
    /// Write a file's bytes to PATH (only once they are on this device).
    Save {
        #[arg(value_parser = FileId::from_str)]
        id: FileId,
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
    /// Give a file a new name, for every member.
    Rename {
        #[arg(value_parser = FileId::from_str)]
        id: FileId,
        name: String,
    },
    /// Take a file off its note or case, for every member.
    Remove {
        #[arg(value_parser = FileId::from_str)]
        id: FileId,
    },
}

/// `copse attach NOTE_OR_CASE_ID FILE…`: every file is checked before any is attached, so a
/// bad one among several attaches none.
pub async fn attach(
    node: &Node,
    c: &CommunityId,
    on: &str,
    paths: &[PathBuf],
    out: &Output,
) -> Result<()> {
    let on = node.note_or_case(c, on).await?;
    for path in paths {
        check_file(path).await?;
    }
    let mut attached = Vec::new();
    for id in node.attach_files(c, &on, paths).await? {
        attached.push(node.file(c, &id).await?);
    }
    out.emit(
        || {
            attached
                .iter()
                .map(|f| f.id.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        },
        || json!(attached),
    );
    Ok(())
}

/// `copse files [ID]`: every file of the community, or of one note or case.
pub async fn list(node: &Node, c: &CommunityId, on: Option<&str>, out: &Output) -> Result<()> {
    let on = match on {
        Some(id) => Some(node.note_or_case(c, id).await?),
        None => None,
    };
    let files = node.files(c, on.as_ref()).await?;
    out.emit(|| human_list(&files), || json!(files));
    Ok(())
}

/// `copse files --space`: "Files: 12 MB", or as JSON the count and bytes, all and here.
pub async fn space(node: &Node, c: &CommunityId, out: &Output) -> Result<()> {
    let space = node.files_space(c).await?;
    out.emit(
        || {
            format!(
                "{} in {}",
                space.in_words(),
                crate::model::plain::count(space.files, "file", "files")
            )
        },
        || json!(space),
    );
    Ok(())
}

fn human_list(files: &[FileView]) -> String {
    if files.is_empty() {
        return "no files yet: attach one with `copse attach NOTE_OR_CASE_ID FILE`".to_string();
    }
    files
        .iter()
        .map(|f| {
            let here = match f.here {
                Some(true) => "here",
                Some(false) => "not here yet",
                None => "unknown (the running copse holds the file store)",
            };
            format!(
                "{}  {}  {}  {}  {}",
                f.id,
                f.name,
                size_in_words(f.size),
                here,
                f.hash
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `copse file …`.
pub async fn run(node: &Node, c: &CommunityId, cmd: &FileCommand, out: &Output) -> Result<()> {
    match cmd {
        FileCommand::Save { id, out: path } => {
            let file = node.save_file(c, id, path).await?;
            out.emit(
                || format!("saved {} to {}", file.name, path.display()),
                || json!({ "id": file.id, "name": file.name, "path": path, "size": file.size, "hash": file.hash }),
            );
        }
        FileCommand::Rename { id, name } => {
            node.rename_file(c, id, name).await?;
            out.done(id, "renamed");
        }
        FileCommand::Remove { id } => {
            node.remove_file(c, id).await?;
            out.done(id, "removed (devices that have its bytes keep them)");
        }
    }
    Ok(())
}
