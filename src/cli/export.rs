//! `copse export` and `copse import`: the community as plain Markdown, out and in.

use std::path::Path;

use anyhow::Result;

use super::output::Output;
use crate::model::CommunityId;
use crate::node::{Node, Progress};

/// `copse export --out DIR [--force]`.
pub async fn export(
    node: &Node,
    c: &CommunityId,
    folder: &Path,
    force: bool,
    out: &Output,
) -> Result<()> {
    let progress = Progress::default();
    out.exported(&node.export_markdown(c, folder, force, &progress).await?);
    Ok(())
}

/// `copse import DIR`.
pub async fn import(node: &Node, c: &CommunityId, dir: &Path, out: &Output) -> Result<()> {
    let progress = Progress::default();
    out.imported(&node.import_markdown(c, dir, &progress).await?);
    Ok(())
}
