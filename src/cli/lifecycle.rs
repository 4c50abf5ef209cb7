//! The verbs every listed kind shares (`copse note|case|topic|gathering rename|archive|
//! unarchive|delete|undelete`): each group's `run` names the item and hands the verb here, so
//! the four groups say the same words.

use anyhow::Result;
use serde_json::json;

use super::output::Output;
use crate::model::{CommunityId, Item};
use crate::node::Node;

/// What to do to an item.
pub enum Verb<'a> {
    Rename(&'a str),
    Archive,
    Unarchive,
    Delete,
    Undelete,
}

/// Runs `verb` on `item` and says what happened, e.g. "Archived note 'Soil'".
pub async fn run(
    node: &Node,
    c: &CommunityId,
    item: Item,
    verb: Verb<'_>,
    out: &Output,
) -> Result<()> {
    let kind = item.kind();
    let (result, title, human) = match verb {
        Verb::Rename(title) => {
            node.rename_item(c, &item, title.to_string()).await?;
            let title = node
                .community(c)
                .await?
                .title_of(&item)
                .unwrap_or(title)
                .to_string();
            let human = format!("Renamed {kind} to '{title}'");
            ("renamed", title, human)
        }
        Verb::Archive => {
            let (title, changed) = node.archive(c, &item).await?;
            let human = if changed {
                format!("Archived {kind} '{title}'")
            } else {
                format!("The {kind} '{title}' was already archived")
            };
            ("archived", title, human)
        }
        Verb::Unarchive => {
            let (title, changed) = node.unarchive(c, &item).await?;
            let human = if changed {
                format!("Unarchived {kind} '{title}'")
            } else {
                format!("The {kind} '{title}' was not archived")
            };
            ("unarchived", title, human)
        }
        Verb::Delete => {
            let title = node.delete(c, &item).await?;
            let human = format!(
                "Deleted {kind} '{title}' for everyone (undo with `copse {kind} undelete {}`)",
                item.id_str()
            );
            ("deleted", title, human)
        }
        Verb::Undelete => {
            let title = node.undelete(c, &item).await?;
            (
                "restored",
                title.clone(),
                format!("Restored {kind} '{title}'"),
            )
        }
    };
    out.emit(
        || human,
        || json!({ "id": item.id_str(), "kind": kind, "title": title, "result": result }),
    );
    Ok(())
}
