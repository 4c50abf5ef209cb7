//! `copse device …`: link another of your devices to you, list your devices, remove a lost one.

use std::time::Duration;

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

use super::output::Output;
use crate::model::{CommunityId, DeviceId};
use crate::node::Node;

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Make a one-time device invite: on your other device, `copse join <line>` (or the first
    /// screen's Join) makes it one of your devices, with your name and history.
    Add {
        /// What to call the new device ("Desktop"); default: the name it sends when it joins.
        #[arg(long)]
        label: Option<String>,
        /// How long the invite stays valid (e.g. 15m, 1h).
        #[arg(long, default_value = "15m", value_parser = super::invite_expiry)]
        expires: Duration,
        /// Enroll an always-on community device (stewards only): a spare machine that runs
        /// `copse serve` so that members who are never online together still sync.
        #[arg(long)]
        always_on: bool,
    },
    /// Your devices in this community, with when each was last seen.
    List,
    /// Remove one of your other devices (lost or sold): it gets nothing further; you stay a
    /// member.
    Remove {
        /// The device's id (see `copse device list`).
        device: String,
    },
}

impl DeviceCommand {
    /// `add` needs this device's network address for the invite.
    pub fn is_online(&self) -> bool {
        matches!(self, DeviceCommand::Add { .. })
    }
}

pub async fn run(
    node: &Node,
    c: &CommunityId,
    command: &DeviceCommand,
    out: &Output,
) -> Result<()> {
    match command {
        DeviceCommand::Add {
            label,
            expires,
            always_on,
        } => {
            let ticket = node
                .create_device_invite(c, label.clone(), Some(*expires), *always_on)
                .await?;
            let line = ticket.to_line();
            let minutes = expires.as_secs().div_ceil(60);
            out.emit(
                || {
                    format!(
                        "{line}\n\nOn your other device, run `copse join <line>` (or paste it in \
                         the first screen's Join) while this one is online.\nIt links one device \
                         and expires in {minutes} minutes."
                    )
                },
                || json!({ "ticket": line, "invite": ticket.invite, "expires_in_secs": expires.as_secs() }),
            );
        }
        DeviceCommand::List => {
            let community = node.community_devices(c).await?;
            let here_is_community_device = community.iter().any(|d| d.this_device);
            let devices = if here_is_community_device {
                Vec::new()
            } else {
                node.my_devices(c).await?
            };
            out.emit(
                || {
                    let mut lines: Vec<String> = devices
                        .iter()
                        .map(|d| format!("{}  {}  {}", d.device, d.device_name(), d.state()))
                        .collect();
                    if !community.is_empty() {
                        lines.push("Community devices (always on):".into());
                        lines.extend(community.iter().map(|d| {
                            format!("{}  {}  enrolled by {}", d.device, d.label, d.added_by)
                        }));
                    }
                    lines.join("\n")
                },
                || {
                    // Your devices, then the community's always-on ones, marked.
                    let always_on = community.iter().map(|d| {
                        let mut row = json!(d);
                        row["always_on"] = json!(true);
                        row
                    });
                    json!(
                        devices
                            .iter()
                            .map(|d| json!(d))
                            .chain(always_on)
                            .collect::<Vec<_>>()
                    )
                },
            );
        }
        DeviceCommand::Remove { device } => {
            let device = DeviceId::from(device.trim().to_string());
            let community = node.community_devices(c).await?;
            if community.iter().any(|d| d.device == device) {
                node.remove_community_device(c, &device, None).await?;
                out.done(
                    &device,
                    "removed: that community device gets no further changes",
                );
                return Ok(());
            }
            node.remove_device(c, &device).await?;
            out.done(
                &device,
                "removed: that device gets no further changes; you are still a member",
            );
        }
    }
    Ok(())
}
