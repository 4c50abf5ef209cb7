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
        DeviceCommand::Add { label, expires } => {
            let ticket = node
                .create_device_invite(c, label.clone(), Some(*expires))
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
            let devices = node.my_devices(c).await?;
            out.emit(
                || {
                    devices
                        .iter()
                        .map(|d| format!("{}  {}  {}", d.device, d.device_name(), d.state()))
                        .collect::<Vec<_>>()
                        .join("\n")
                },
                || json!(devices),
            );
        }
        DeviceCommand::Remove { device } => {
            let device = DeviceId::from(device.trim().to_string());
            node.remove_device(c, &device).await?;
            out.done(
                &device,
                "removed: that device gets no further changes; you are still a member",
            );
        }
    }
    Ok(())
}
