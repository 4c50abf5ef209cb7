//! `copse notifications`: the in-app list of what a member would want to hear (newest first,
//! the unread ones marked), and this device's settings for each kind.

use anyhow::Result;
use clap::Args;
use serde_json::json;

use super::output::Output;
use crate::model::CommunityId;
use crate::model::practice::notifications::Kind;
use crate::node::Node;

#[derive(Debug, Args)]
pub struct NotificationsArgs {
    /// Turn a kind off on this device (question-on-my-case, answer-to-my-question,
    /// suggestion-on-my-case, role-given, gathering-soon, new-in-endorsed-topic).
    #[arg(long, value_name = "KIND")]
    pub off: Vec<Kind>,
    /// Turn a kind back on.
    #[arg(long, value_name = "KIND")]
    pub on: Vec<Kind>,
    /// Mark the list as seen: nothing in it counts as unread any more.
    #[arg(long)]
    pub seen: bool,
}

pub async fn run(
    node: &Node,
    c: &CommunityId,
    args: &NotificationsArgs,
    out: &Output,
) -> Result<()> {
    for kind in &args.off {
        node.set_notification(c, *kind, false)?;
    }
    for kind in &args.on {
        node.set_notification(c, *kind, true)?;
    }
    let list = node.notifications(c).await?;
    if args.seen {
        node.mark_notifications_seen(c)?;
    }
    let off = node.notifications_off(c)?;
    out.emit(
        || {
            if list.items.is_empty() {
                return "no notifications".into();
            }
            let mut text = format!("{} unread\n", list.unread);
            for n in &list.items {
                let new = list.seen_at.is_none_or(|seen| n.at > seen);
                text.push_str(&format!(
                    "{} {}  {}\n",
                    if new { "*" } else { " " },
                    n.at,
                    n.text
                ));
            }
            text.trim_end().to_string()
        },
        || {
            json!({
                "unread": list.unread,
                "items": list.items.iter().map(|n| {
                    let mut v = json!(n);
                    v["at"] = json!(n.at.to_rfc3339());
                    v["unread"] = json!(list.seen_at.is_none_or(|seen| n.at > seen));
                    v
                }).collect::<Vec<_>>(),
                "off": off.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                "kinds": Kind::ALL.iter().map(|k| json!({ "kind": k.to_string(), "label": k.label() })).collect::<Vec<_>>(),
            })
        },
    );
    Ok(())
}
