//! `copse invite …`: making an invite (online: the ticket names this device's address), and,
//! offline, listing the community's invites, withdrawing one, and the stewards' setting of
//! whether members may invite.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;

use super::on_off;
use super::output::Output;
use crate::model::{CommunityId, InviteId, MemberRole, plain};
use crate::node::Node;

/// The limits of a new invite.
#[derive(Debug, Args)]
pub struct NewInvite {
    /// How many people may join with it.
    #[arg(long, default_value_t = 1)]
    uses: u32,
    /// How long it stays valid (e.g. 7d, 12h, 30m).
    #[arg(long, default_value = "7d", value_parser = super::invite_expiry)]
    expires: Duration,
    /// The role it grants: member (default), reader, or steward (stewards only).
    #[arg(long, default_value = "member", value_parser = MemberRole::from_str)]
    role: MemberRole,
}

#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// The community's invites, newest first: who made each, its state, who joined with it.
    List,
    /// Withdraw an invite so it admits nobody more (your own; stewards: any).
    Revoke {
        #[arg(value_parser = InviteId::from_str)]
        id: InviteId,
        /// Why, for the record every member sees.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Whether members, not only stewards, may make invites (stewards change it).
    MembersMayInvite {
        #[arg(value_name = "on|off", action = clap::ArgAction::Set, value_parser = on_off)]
        allowed: bool,
    },
}

/// Makes an invite and prints the line to send.
pub async fn create(
    node: &Node,
    community: &CommunityId,
    new: &NewInvite,
    out: &Output,
) -> Result<()> {
    let NewInvite {
        uses,
        expires,
        role,
    } = *new;
    let ticket = node
        .create_invite_for(community, Some(expires), Some(uses), role)
        .await?;
    let line = ticket.to_line();
    let hours = expires.as_secs() / 3600;
    out.emit(
        || {
            format!(
                "{line}\n\nSend this line to the newcomer; they run `copse join <line>` while you, or a member it names, are online.\n\
                 It admits {} as {} and expires in {}.",
                plain::count(uses as usize, "person", "people"),
                if uses == 1 { format!("a {role}") } else { format!("{role}s") },
                if hours >= 48 { format!("{} days", hours / 24) } else { format!("{hours} hours") }
            )
        },
        || json!({ "ticket": line, "invite": ticket.invite, "uses": uses, "role": role, "expires_in_secs": expires.as_secs() }),
    );
    Ok(())
}

pub async fn run(
    node: &Node,
    community: &CommunityId,
    command: &InviteCommand,
    out: &Output,
) -> Result<()> {
    match command {
        InviteCommand::List => list(node, community, out).await,
        InviteCommand::Revoke { id, reason } => {
            node.revoke_invite(community, id, reason.clone()).await?;
            out.done(id, "withdrawn: it admits nobody more");
            Ok(())
        }
        InviteCommand::MembersMayInvite { allowed } => {
            node.set_members_may_invite(community, *allowed).await?;
            out.emit(
                || {
                    if *allowed {
                        "members may make invites".to_string()
                    } else {
                        "only stewards may make invites".to_string()
                    }
                },
                || json!({ "members_may_invite": allowed }),
            );
            Ok(())
        }
    }
}

async fn list(node: &Node, community: &CommunityId, out: &Output) -> Result<()> {
    let c = node.community(community).await?;
    let now = node.now();
    let mut invites: Vec<_> = c
        .invites
        .iter()
        .filter(|(_, i)| i.for_member.is_none())
        .collect();
    invites.sort_by_key(|(_, i)| std::cmp::Reverse(i.created_at));
    out.emit(
        || {
            let mut lines = vec![if c.stewards_only_invite {
                "Only stewards may make invites.".to_string()
            } else {
                "Members may make invites.".to_string()
            }];
            if invites.is_empty() {
                lines.push("No invites yet.".to_string());
            }
            for (id, invite) in &invites {
                let joined: Vec<String> = invite.uses.keys().map(|m| c.display_name(m)).collect();
                lines.push(format!(
                    "{id}  {}  by {}  {}  {}{}",
                    invite.created_at,
                    c.display_name(&invite.created_by),
                    invite.role.unwrap_or(MemberRole::Member),
                    invite.status(now).in_words(),
                    if joined.is_empty() {
                        String::new()
                    } else {
                        format!("  joined: {}", joined.join(", "))
                    }
                ));
            }
            lines.join("\n")
        },
        || {
            json!({
                "members_may_invite": !c.stewards_only_invite,
                "invites": invites.iter().map(|(id, invite)| json!({
                    "id": id,
                    "created_by": invite.created_by,
                    "created_at": invite.created_at,
                    "expires_at": invite.expires_at,
                    "role": invite.role.unwrap_or(MemberRole::Member),
                    "state": invite.status(now).in_words(),
                    "remaining_uses": invite.remaining_uses(),
                    "joined": invite.uses.keys().collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        },
    );
    Ok(())
}
