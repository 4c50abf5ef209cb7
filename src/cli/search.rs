//! `copse search` and `copse unread`: finding things across the community.

use anyhow::Result;

use super::output::Output;
use crate::model::CommunityId;
use crate::node::Node;

/// `copse search WORDS… --limit N`: best matches first.
pub async fn search(
    node: &Node,
    c: &CommunityId,
    query: &[String],
    limit: usize,
    out: &Output,
) -> Result<()> {
    let query = query.join(" ");
    out.search(&node.search(c, &query, limit).await?);
    Ok(())
}

/// `copse unread`: what others changed since this device last showed it.
pub async fn unread(node: &Node, c: &CommunityId, out: &Output) -> Result<()> {
    let community = node.community(c).await?;
    out.unread(&node.unread(c).await?, &community);
    Ok(())
}
