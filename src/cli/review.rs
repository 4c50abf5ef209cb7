//! `copse review …`: the places members changed differently while apart, and settling them.

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

use super::output::Output;
use crate::model::CommunityId;
use crate::model::conflict::field_label;
use crate::node::{Node, Review};

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// The places to review: where two members changed the same sentence or field differently
    /// while apart; each with both versions and what the merge made.
    List,
    /// Settle one place: keep your version, theirs, both, the text as it is now, or write it
    /// anew (`edit --text …`).
    Settle {
        /// The id `copse review list` shows.
        id: String,
        /// mine | theirs | both | current (or 1 | 2 for the first or second version listed), or
        /// edit with --text.
        choice: String,
        /// With `edit`: what the place should say.
        #[arg(long)]
        text: Option<String>,
    },
}

pub async fn run(node: &Node, c: &CommunityId, cmd: &ReviewCommand, out: &Output) -> Result<()> {
    match cmd {
        ReviewCommand::List => {
            let reviews = node.reviews(c).await?;
            out.emit(
                || human_list(&reviews),
                || json!(reviews.iter().map(machine).collect::<Vec<_>>()),
            );
        }
        ReviewCommand::Settle { id, choice, text } => {
            let review = match (choice.trim(), text) {
                ("edit", Some(text)) => node.settle_review_with(c, id, text).await?,
                ("edit", None) => {
                    anyhow::bail!("`edit` needs what the place should say: --text \"…\"")
                }
                (_, Some(_)) => anyhow::bail!(
                    "--text goes with `edit`: copse review settle {id} edit --text \"…\""
                ),
                _ => node.settle_review(c, id, choice).await?,
            };
            out.emit(
                || {
                    format!(
                        "settled: {} in \"{}\"",
                        field_label(&review.conflict.field),
                        review.title
                    )
                },
                || json!({ "id": review.id, "result": "settled", "kept": choice }),
            );
        }
    }
    Ok(())
}

fn human_list(reviews: &[Review]) -> String {
    if reviews.is_empty() {
        return "nothing to review".to_string();
    }
    let mut lines = Vec::new();
    for r in reviews {
        lines.push(format!(
            "{}  {} \"{}\": {}",
            r.id,
            r.what.kind(),
            r.title,
            field_label(&r.conflict.field)
        ));
        for (i, side) in r.conflict.sides.iter().enumerate() {
            let whose = if r.mine == Some(i) { " (mine)" } else { "" };
            lines.push(format!(
                "  {} {}{whose} wrote ({}): {}",
                i + 1,
                r.names[i],
                side.at.to_rfc3339(),
                side.text.trim_end()
            ));
        }
        lines.push(format!("  now it reads: {}", r.conflict.merged.trim_end()));
    }
    lines.join("\n")
}

fn machine(r: &Review) -> serde_json::Value {
    let sides: Vec<_> = r
        .conflict
        .sides
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "text": s.text, "author": r.names[i], "device": s.device,
                "at": s.at.to_rfc3339(), "mine": r.mine == Some(i),
            })
        })
        .collect();
    json!({
        "id": r.id, "item": r.what, "title": r.title, "field": r.conflict.field,
        "base": r.conflict.base, "versions": sides, "now": r.conflict.merged,
    })
}
